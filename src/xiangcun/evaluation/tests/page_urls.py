"""URLconf for the page tests: the project's URLs, plus placeholders for the shared page names that
`base.html` and the nav link to (`core:dashboard`, the register lists) while this branch does not
install them yet (they are built in parallel). A namespace is only filled in when none of its shared
names exists; once the real pages are merged, `ROOT_URLCONF` is left alone (see `page_urlconf`).
"""

from django.http import HttpResponse
from django.urls import NoReverseMatch, include, path, reverse

from xiangcun.config import urls as project_urls

SHARED_PAGES = {
    "core": [("dashboard", "")],
    "regions": [("township_list", "regions/townships/"), ("village_list", "regions/villages/")],
    "network": [("facility_list", "network/facilities/"), ("station_list", "network/stations/")],
}


def _exists(name: str) -> bool:
    try:
        reverse(name, urlconf=project_urls)
    except NoReverseMatch:
        return False
    return True


def missing_namespaces() -> tuple[list[str], list[str]]:
    """(namespaces with none of their shared names, namespaces with only some of them)."""
    none, partial = [], []
    for namespace, names in SHARED_PAGES.items():
        present = [_exists(f"{namespace}:{name}") for name, _route in names]
        if not any(present):
            none.append(namespace)
        elif not all(present):
            partial.append(namespace)
    return none, partial


def _placeholder(request, *args, **kwargs):
    return HttpResponse("placeholder for a page of another branch")


# Placeholder namespaces come first: Django resolves a namespace to its first definition.
urlpatterns = [
    path(
        "",
        include(
            ([path(route, _placeholder, name=name) for name, route in SHARED_PAGES[ns]], ns), namespace=ns
        ),
    )
    for ns in missing_namespaces()[0]
] + project_urls.urlpatterns
