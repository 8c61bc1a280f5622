"""The relationship with dealers: ABC classification history, contacts, status-change proposals."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.toolkit import Timestamped, UTCDateTime, Versioned, db, utcnow

CLASSES = ("A", "B", "C")
CONTACT_KINDS = ("visit", "phone", "letter", "card", "meeting")
STATUSES = ("active", "warned", "suspended", "disqualified")
CHANGE_STATES = ("proposed", "decided", "confirmed", "rejected")
EVIDENCE = "evidence"  # attachment purpose


class Classification(db.Model):
    """One ABC classification of a dealer: who set which class, when and why (append-only)."""
    __tablename__ = "dealers_classification"
    __table_args__ = (Index("ix_dealers_classification_dealer_id_id", "dealer_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"))
    abc_class: Mapped[str] = mapped_column(String(1))
    previous_class: Mapped[str | None] = mapped_column(String(1))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dealer = relationship("Dealer", lazy="joined", innerjoin=True)
    created_by = relationship("User", lazy="joined")


class Contact(Timestamped, db.Model):
    """A contact with a dealer (visit, phone, letter, card, meeting) by a head-office user."""
    __tablename__ = "dealers_contact"
    __activity_model__ = "dealers_contact"
    __table_args__ = (Index("ix_dealers_contact_dealer_on", "dealer_id", "contacted_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"))
    contacted_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    by_id: Mapped[int] = mapped_column(ForeignKey("core_user.id"), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))

    dealer = relationship("Dealer", lazy="joined", innerjoin=True)
    by = relationship("User", foreign_keys=[by_id], lazy="joined", innerjoin=True)


class StatusChange(Timestamped, Versioned, db.Model):
    """A proposed change of a dealer's qualification status; it takes effect only once decided
    (a disqualification only once confirmed)."""
    __tablename__ = "dealers_status_change"
    __activity_model__ = "dealers_status_change"
    __table_args__ = (Index("ix_dealers_status_change_dealer_state", "dealer_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("core_dealer.id"))
    from_status: Mapped[str] = mapped_column(String(14))
    to_status: Mapped[str] = mapped_column(String(14))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="proposed", index=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    dealer = relationship("Dealer", lazy="joined", innerjoin=True)
    proposed_by = relationship("User", foreign_keys=[proposed_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id], lazy="joined")
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id], lazy="joined")

    @property
    def needs_confirmation(self) -> bool:
        return self.to_status == "disqualified"
