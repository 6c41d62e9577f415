from django.contrib.auth.backends import ModelBackend
from django.utils import timezone


class LockoutModelBackend(ModelBackend):
    """Username/password login that refuses accounts locked after repeated failures (per account)."""

    def user_can_authenticate(self, user) -> bool:
        if user.locked_until and user.locked_until > timezone.now():
            return False
        return super().user_can_authenticate(user)
