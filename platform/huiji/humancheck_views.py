"""The human check's pictures and new puzzles, on every host (huiji/humancheck.py).

Nothing here is cached by a browser or a proxy: each puzzle is drawn for one person, once."""

from __future__ import annotations

from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from huiji import humancheck


@never_cache
@require_GET
def image(request, puzzle_id: str, part: str):
    """`bg.jpg` (the picture with the gap) or `piece.png` of a puzzle still open; 404 once it
    was tried or has expired."""
    drawn = humancheck.images(puzzle_id)
    if drawn is None:
        raise Http404
    background, piece = drawn
    response = HttpResponse(background if part == "bg.jpg" else piece,
                            content_type="image/jpeg" if part == "bg.jpg" else "image/png")
    response["Cache-Control"] = "no-store, private"
    return response


@never_cache
@require_POST
def new(request):
    """A fresh puzzle for the page's 换一张 button (and when the shown one expires): the id
    and the image URLs, never the answer. A post, with the page's CSRF token."""
    response = JsonResponse(humancheck.challenge())
    response["Cache-Control"] = "no-store, private"
    return response
