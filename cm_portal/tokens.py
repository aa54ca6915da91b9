"""The token in set-password links (security.md 35).

Django's token is void once the password or the last login changes. Ours is also void once
the account is deactivated or its e-mail address, role or organisation changes: a link sent
to an old address, or issued before someone was moved or switched off, must not set a
password afterwards. A change and its undoing (deactivated, then reactivated; moved, then
moved back) leaves those fields as they were, so the hash also takes the latest access-log
row that deactivated or changed the account: the log is append-only, so that number only
ever grows.
"""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator

from .models import AccessEvent

# The actions the staff services write when they deactivate, reactivate or change an account.
ACCOUNT_CHANGES = (AccessEvent.Action.DEACTIVATE, AccessEvent.Action.CHANGE)


def last_account_change(user) -> int:
    """The id of the newest access-log row that deactivated or changed ``user``, else 0."""
    return (
        AccessEvent.objects.filter(
            object_type=user._meta.model_name, object_id=str(user.pk), action__in=ACCOUNT_CHANGES
        )
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    ) or 0


class StaffPasswordTokenGenerator(PasswordResetTokenGenerator):
    def _make_hash_value(self, user, timestamp: int) -> str:
        return "|".join(
            [
                super()._make_hash_value(user, timestamp),
                str(user.is_active),
                user.email,
                user.role,
                str(user.organisation_id),
                str(last_account_change(user)),
            ]
        )


password_token_generator = StaffPasswordTokenGenerator()
