"""A DRF router whose API root lists every endpoint: viewsets and plain API views alike."""

from collections import OrderedDict

from django.urls import NoReverseMatch, path
from rest_framework import routers
from rest_framework.response import Response
from rest_framework.reverse import reverse


class ApiRootView(routers.APIRootView):
    """Lists every endpoint of /api/v1/ with its absolute URL."""

    extra_endpoints: dict[str, str] = {}

    def get(self, request, *args, **kwargs):
        listing = OrderedDict()
        namespace = request.resolver_match.namespace
        for key, url_name in {**self.api_root_dict, **self.extra_endpoints}.items():
            if namespace:
                url_name = namespace + ":" + url_name
            try:
                listing[key] = reverse(url_name, request=request, format=kwargs.get("format"))
            except NoReverseMatch:
                continue
        return Response(listing)


class ApiRouter(routers.DefaultRouter):
    """DefaultRouter plus `add_view(prefix, view, name)` for non-viewset endpoints shown in the root."""

    APIRootView = ApiRootView

    def __init__(self):
        super().__init__()
        self._extra: list[tuple[str, object, str]] = []

    def add_view(self, prefix: str, view, name: str) -> None:
        self._extra.append((prefix, view, name))

    def extra_urlpatterns(self):
        return [path(f"{prefix}/", view, name=name) for prefix, view, name in self._extra]

    def get_api_root_view(self, api_urls=None):
        api_root_dict = OrderedDict()
        list_name = self.routes[0].name
        for prefix, _viewset, basename in self.registry:
            api_root_dict[prefix] = list_name.format(basename=basename)
        extra = OrderedDict((prefix, name) for prefix, _view, name in self._extra)
        return self.APIRootView.as_view(api_root_dict=api_root_dict, extra_endpoints=extra)
