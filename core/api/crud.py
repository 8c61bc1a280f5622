"""Declare the five CRUD routes of a resource at once: list, create, get, patch, delete.

Loading goes first (``load`` answers 404 outside the caller's scope), then the write
permission (403), then validation (422) in the service, then one commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _
from flask_login import current_user

from core.api import paginate, route
from core.errors import NotFound
from core.events import commit
from core.security import ensure


@dataclass
class CrudApi:
    path: str  # "/dealers"
    name: str  # "dealer": endpoints list_<name>s, create_<name>, get_<name>, update_<name>, delete_<name>
    tag: str
    out: type
    create_in: type
    patch_in: type
    query: type
    list_stmt: Callable  # (query) -> select()
    serialize: Callable
    load: Callable  # (id) -> record or NotFound
    create: Callable  # (body, actor) -> record
    update: Callable  # (record, body, actor) -> record
    delete: Callable  # (record, actor) -> None
    view_permission: str
    manage_permission: str
    label: str = ""  # "a dealer"

    def register(self, bp):
        label = self.label or f"a {self.name.replace('_', ' ')}"

        def list_view(query):
            return paginate(self.list_stmt(query), query, self.serialize)

        def create_view(body):
            record = self.create(body, current_user)
            commit()
            return self.serialize(record)

        def get_view(id: int):  # noqa: A002 - the documented path parameter is {id}
            return self.serialize(self.load(id))

        def readable(id):  # noqa: A002
            # who may not read the resource gets 404 for every id, existing or not (no id probing)
            if not current_user.can(self.view_permission):
                raise NotFound(_("record %(id)s not found", id=id))
            return self.load(id)

        def update_view(id: int, body):  # noqa: A002
            record = readable(id)
            ensure(current_user, self.manage_permission)
            self.update(record, body, current_user)
            commit()
            return self.serialize(record)

        def delete_view(id: int):  # noqa: A002
            record = readable(id)
            ensure(current_user, self.manage_permission)
            self.delete(record, current_user)
            commit()
            return "", 204

        item = f"{self.path}/<int:id>"
        route(bp, self.path, query=self.query, response=self.out, many=True, permission=self.view_permission,
              tag=self.tag, endpoint=f"list_{self.name}s", summary=f"List {label.split(' ', 1)[1]}s the caller may see")(list_view)
        route(bp, self.path, ["POST"], body=self.create_in, response=self.out, status=201,
              permission=self.manage_permission, tag=self.tag, endpoint=f"create_{self.name}", summary=f"Create {label}")(create_view)
        route(bp, item, response=self.out, permission=self.view_permission, tag=self.tag,
              endpoint=f"get_{self.name}", summary=f"One {label.split(' ', 1)[1]} (404 outside the caller's scope)")(get_view)
        route(bp, item, ["PATCH"], body=self.patch_in, response=self.out, tag=self.tag,
              endpoint=f"update_{self.name}", summary=f"Change some fields of {label}")(update_view)
        route(bp, item, ["DELETE"], status=204, tag=self.tag, endpoint=f"delete_{self.name}",
              summary=f"Delete {label} nothing refers to")(delete_view)
        return self
