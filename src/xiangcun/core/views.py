"""Platform pages: health check, protected media, the dashboard."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    """`{"status": "ok", "database": {...}}`; HTTP 503 when the database does not answer."""
    db = {"vendor": connection.vendor}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db["status"] = "ok"
    except Exception as exc:  # any database failure is reported, not raised
        db["status"] = "error"
        db["error"] = exc.__class__.__name__
    ok = db["status"] == "ok"
    return JsonResponse({"status": "ok" if ok else "error", "database": db}, status=200 if ok else 503)


@login_required
def protected_media(request, path: str):
    """Uploaded files (photos, evidence) are only served to signed-in users."""
    root = Path(settings.MEDIA_ROOT).resolve()
    target = (root / path).resolve()
    if root not in target.parents or not target.is_file():
        raise Http404
    content_type, _ = mimetypes.guess_type(target.name)
    return FileResponse(target.open("rb"), content_type=content_type or "application/octet-stream")
