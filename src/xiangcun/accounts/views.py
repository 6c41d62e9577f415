from django.conf import settings
from django.contrib.auth import views as auth_views

from xiangcun.regions.selectors import demo_loaded

from .forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE and demo_loaded():
            from xiangcun.devtools.users import demo_credentials

            context["demo_credentials"] = demo_credentials()
        return context


class LogoutView(auth_views.LogoutView):
    pass
