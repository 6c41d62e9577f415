"""Who may call which action of a viewset.

Reads need a signed-in user (what they see is decided by the scoped selectors). Writes also need one of
the capabilities the view declares for the action (`accounts.permissions`); the service called by the
action checks capability *and* scope again, so this is the early, cheap refusal (403 before any input is
parsed), not the only one.
"""

from rest_framework.permissions import SAFE_METHODS, IsAuthenticated

from xiangcun.accounts.permissions import has_capability


class ActionCapabilityPermission(IsAuthenticated):
    """A signed-in user; for unsafe methods, one of `view.action_capabilities[view.action]`.

    `action_capabilities` maps an action name (`create`, `partial_update`, `transition` …) to a tuple of
    capability names, any one of which suffices. An unsafe action the view does not declare is refused
    (fail closed); a method the view does not route at all is let through to its 405 answer.
    """

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "action", None) is None or request.method.lower() not in view.http_method_names:
            return True  # no such action: the view answers 405 Method Not Allowed, running nothing
        capabilities = getattr(view, "action_capabilities", {}).get(getattr(view, "action", None))
        if not capabilities:
            return False
        return any(has_capability(request.user, capability) for capability in capabilities)
