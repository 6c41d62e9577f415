from django.conf import settings


def platform(request):
    """Flags every page needs: whether this database holds the demo county."""
    from xiangcun.regions.selectors import demo_loaded

    return {"demo_mode": settings.DEMO_MODE, "demo_loaded": demo_loaded()}
