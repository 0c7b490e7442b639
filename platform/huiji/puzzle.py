"""The human check's picture: drawn here from a seed, with a piece-shaped gap, and the piece.

Nothing is fetched from outside. The picture is a gradient with overlapping shapes, lines and
grain in random colours, so no one colour or edge marks the gap; the gap is the picture itself
darkened inside the piece's outline, with a light rim, as in the sliders people know. The piece
is cut from the same picture and sits in a strip as tall as the picture, at the gap's height,
so the page needs no coordinate at all: only the gap's left edge is the answer, and it exists
only in the background's pixels and in the server's store (huiji.humancheck).

The same seed draws the same picture, so the store keeps a seed and two numbers, not images.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter

WIDTH, HEIGHT = 320, 160
SIDE = 44  # the piece's square body
KNOB = 8  # radius of the round knobs on its top and right sides
PAD = 3  # room in the piece's strip for its rim
PIECE_WIDTH = PAD + SIDE + KNOB + PAD  # the strip the piece is drawn in (58 px)
TRAVEL = WIDTH - PIECE_WIDTH  # how far the piece moves: its strip's left edge, 0..TRAVEL


def target_range() -> tuple[int, int]:
    """Where the strip's left edge may fit: clear of the piece's own starting place, and the
    whole gap inside the picture."""
    return PIECE_WIDTH + 12, TRAVEL - 4


def top_range() -> tuple[int, int]:
    return KNOB + 6, HEIGHT - SIDE - 6


def _outline(x: int, y: int) -> Image.Image:
    """A mask of the piece's shape with its body's top-left corner at (x, y)."""
    mask = Image.new("L", (WIDTH, HEIGHT), 0)
    draw = ImageDraw.Draw(mask)
    draw.rounded_rectangle((x, y, x + SIDE, y + SIDE), radius=4, fill=255)
    draw.ellipse((x + SIDE - KNOB, y + SIDE // 2 - KNOB, x + SIDE + KNOB, y + SIDE // 2 + KNOB),
                 fill=255)
    draw.ellipse((x + SIDE // 2 - KNOB, y - KNOB, x + SIDE // 2 + KNOB, y + KNOB), fill=255)
    return mask


def _colour(rng: random.Random, light: bool | None = None) -> tuple[int, int, int]:
    low, high = (140, 255) if light else (20, 150) if light is False else (20, 255)
    return tuple(rng.randint(low, high) for _ in range(3))


def _scene(rng: random.Random) -> Image.Image:
    """The picture before the gap: a two-colour gradient, then shapes, lines and grain."""
    a, b = _colour(rng, light=True), _colour(rng, light=False)
    if rng.random() < 0.5:  # top to bottom
        ramp = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    else:  # left to right
        ramp = Image.linear_gradient("L").resize((HEIGHT, WIDTH)).rotate(90, expand=True)
    if rng.random() < 0.5:
        ramp = ramp.transpose(Image.Transpose.ROTATE_180)
    image = Image.composite(Image.new("RGB", (WIDTH, HEIGHT), a),
                            Image.new("RGB", (WIDTH, HEIGHT), b), ramp)
    layer = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(rng.randint(14, 22)):
        kind = rng.random()
        cx, cy = rng.randint(-20, WIDTH + 20), rng.randint(-20, HEIGHT + 20)
        size = rng.randint(12, 70)
        fill = (*_colour(rng), rng.randint(70, 200))
        if kind < 0.4:
            draw.ellipse((cx - size, cy - size // 2, cx + size, cy + size // 2), fill=fill)
        elif kind < 0.7:
            corners = [(cx + rng.randint(-size, size), cy + rng.randint(-size, size))
                       for _ in range(rng.randint(3, 5))]
            draw.polygon(corners, fill=fill)
        else:
            draw.rectangle((cx, cy, cx + size, cy + rng.randint(6, size)), fill=fill)
    for _ in range(rng.randint(4, 9)):
        draw.line([(rng.randint(0, WIDTH), rng.randint(0, HEIGHT)) for _ in range(3)],
                  fill=(*_colour(rng), rng.randint(90, 200)), width=rng.randint(1, 4))
    image = Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    # grain, so that the gap's darker area is not one flat colour either
    noise = Image.effect_noise((WIDTH, HEIGHT), rng.randint(8, 14)).convert("RGB")
    middle = Image.new("RGB", image.size, (128, 128, 128))
    image = ImageChops.add(image, ImageChops.subtract(noise, middle))
    return ImageChops.subtract(image, ImageChops.subtract(middle, noise))


def draw(seed: int, x: int, y: int) -> tuple[Image.Image, Image.Image]:
    """The background with the gap whose strip's left edge is at x and body's top at y, and
    the piece in its strip (RGBA, PIECE_WIDTH x HEIGHT)."""
    rng = random.Random(seed)  # noqa: S311 (a picture, not a secret: the seed is never shown)
    scene = _scene(rng)
    body_x = x + PAD
    mask = _outline(body_x, y)
    rim = ImageChops.subtract(mask.filter(ImageFilter.MaxFilter(3)), mask)
    # the gap: the picture darkened inside the outline, with a light rim
    dark = ImageEnhance.Brightness(scene).enhance(rng.uniform(0.35, 0.5))
    background = Image.composite(dark, scene, mask)
    background = Image.composite(Image.new("RGB", scene.size, (255, 255, 255)), background,
                                 rim.point(lambda v: v * 0.7))
    # the piece: the same pixels, lifted out with a rim, moved to its strip at the left
    piece = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    piece.paste(scene, (0, 0), mask)
    piece.paste((255, 255, 255, 235), (0, 0), rim)
    piece = piece.crop((x, 0, x + PIECE_WIDTH, HEIGHT))
    return background, piece


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
