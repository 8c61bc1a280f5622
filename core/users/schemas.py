from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field

from core.api import OutSchema, Schema, ListQuery

def Username(default=...):
    return Field(default, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")



class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(OutSchema):
    token: str
    expires_at: str


class MeOut(OutSchema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    permissions: list[str]
    dealer_code: str | None
    language: str


class UserIn(Schema):
    username: str = Username()
    password: str = Field(min_length=1, max_length=256)
    display_name: str = Field("", max_length=120)
    email: EmailStr | None = None
    roles: list[str] = []
    dealer_code: str | None = Field(None, max_length=32)
    language: Literal["zh_CN", "en"] = "zh_CN"
    active: bool = True


class UserPatch(Schema):
    username: str | None = Username(None)
    password: str | None = Field(None, min_length=1, max_length=256)
    display_name: str | None = Field(None, max_length=120)
    email: EmailStr | None = None
    roles: list[str] | None = None
    dealer_code: str | None = Field(None, max_length=32)
    language: Literal["zh_CN", "en"] | None = None
    active: bool | None = None


class UserOut(OutSchema):
    id: int
    username: str
    display_name: str
    email: str | None
    roles: list[str]
    dealer_code: str | None
    language: str
    active: bool


class UserQuery(ListQuery):
    q: str | None = None
    role: str | None = None
    dealer_code: str | None = None
    active: bool | None = None


class PasswordChangeIn(Schema):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)
