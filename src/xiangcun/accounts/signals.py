from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from . import services


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    services.login_failure_record(username=credentials.get("username", ""))


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    services.login_success_record(user=user)
