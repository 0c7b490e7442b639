"""The human check (huiji/humancheck.py): its answer is only on the server; a script that
reads the page, replays a token, posts a made-up drag or answers at once is refused; each
puzzle takes one try; wrong answers pause the check per identity and per address.

The answers a test needs are read from the store, as a person reads them off the picture;
a puzzle's time in the store is set back where a test stands for a person's few seconds."""

from __future__ import annotations

import re
import threading
from io import BytesIO

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from PIL import Image

from huiji import humancheck
from huiji.errors import AppError
from tests.harness import PASSWORD, hand_trace, puzzle_answer, solved_slider

REFUSED = "安全验证未通过，请将拼图块拖入新图片的缺口。"
PAUSED = "安全验证错误次数过多，请 15 分钟后再试。"


def _aged(puzzle_id: str, schema: str, seconds: float = 2.0) -> None:
    """As if the picture had been on the screen for `seconds` already."""
    with schema_context(schema):
        key = humancheck.puzzle_key(puzzle_id)
        record = humancheck.store().get(key)
        record["created"] -= seconds
        humancheck.store().set(key, record, humancheck.MAX_AGE)


def _block(html: str) -> str:
    return re.search(r'<div class="field humancheck".*?\n</div>', html, re.S).group(0)


def _token(html: str) -> str:
    return re.search(r'name="hc_token" value="([^"]+)"', html).group(1)


def _login(client: Client, **extra):
    return client.post("/login/", {"username": "alpha-member", "password": PASSWORD, **extra})


# --- what the page holds ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_holds_no_answer_only_a_random_id(alpha):
    # Alpha (the CMES profile) always asks for the check. Two pages, two puzzles with their
    # gaps in different places: their markup differs in the random id alone.
    blocks, answers = [], []
    for _ in range(2):
        page = Client(HTTP_HOST=alpha.host).get("/login/").content.decode()
        token = _token(page)
        answers.append(puzzle_answer(token, "alpha"))
        blocks.append(_block(page).replace(token, "ID"))
    assert blocks[0] == blocks[1]
    assert "data-target" not in blocks[0] and "hc-mark" not in blocks[0]
    assert 'src="/human-check/ID/bg.jpg"' in blocks[0]
    assert 'src="/human-check/ID/piece.png"' in blocks[0]
    # the label and its explanation, in Chinese
    assert "安全验证：拖动滑块，将拼图块移入缺口" in blocks[0]
    assert "使用键盘时，可用方向键移动" in blocks[0] and "换一张" in blocks[0]


@pytest.mark.django_db
def test_a_script_that_reads_the_page_cannot_pass(alpha):
    """What a plain-HTTP script has: the page, the token, the two pictures. Its best guess from
    them alone (the middle of the track, with a made-up but hand-like drag) is refused when
    the gap is elsewhere, and the puzzle is gone after that one try."""
    client = Client(HTTP_HOST=alpha.host)
    page = client.get("/login/").content.decode()
    token = _token(page)
    assert client.get(f"/human-check/{token}/bg.jpg").status_code == 200
    assert client.get(f"/human-check/{token}/piece.png").status_code == 200
    with schema_context("alpha"):  # the gap, where the script's guess is not
        key = humancheck.puzzle_key(token)
        record = humancheck.store().get(key)
        record["x"] = 70
        humancheck.store().set(key, record, humancheck.MAX_AGE)
    _aged(token, "alpha")
    guess = 160
    refused = _login(client, hc_token=token, hc_position=str(guess), hc_trace=hand_trace(guess))
    assert refused.status_code == 200 and REFUSED in refused.content.decode()
    assert "账号或密码错误" not in refused.content.decode()  # the password was not even tried
    assert client.get(f"/human-check/{token}/bg.jpg").status_code == 404
    # the right answer now is too late: one try per puzzle
    late = _login(client, hc_token=token, hc_position="70", hc_trace=hand_trace(70))
    assert late.status_code == 200 and REFUSED in late.content.decode()


@pytest.mark.django_db
def test_the_pictures_are_drawn_for_one_puzzle_and_not_kept(alpha):
    client = Client(HTTP_HOST=alpha.host)
    token = _token(client.get("/signup/").content.decode())
    background = client.get(f"/human-check/{token}/bg.jpg")
    piece = client.get(f"/human-check/{token}/piece.png")
    assert background["Content-Type"] == "image/jpeg"
    assert piece["Content-Type"] == "image/png"
    for response in (background, piece):
        assert "no-store" in response["Cache-Control"]
    assert Image.open(BytesIO(background.content)).size == (320, 160)
    piece_image = Image.open(BytesIO(piece.content))
    assert piece_image.size == (58, 160) and piece_image.mode == "RGBA"
    # transparent but for the piece: its top and bottom rows hold nothing
    assert piece_image.getchannel("A").getbbox()[3] - piece_image.getchannel("A").getbbox()[1] \
        < 70
    assert client.get("/human-check/AAAAAAAAAAAAAAAAAAAAAAAA/bg.jpg").status_code == 404
    assert client.get(f"/human-check/{token}/answer.txt").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("n", range(3))
def test_the_picture_has_its_gap_where_the_store_says(alpha, n):
    """Slid along the picture, the piece matches the pixels under it (the gap is the same
    picture, darkened) best at the stored answer. (So a program that compares pictures finds
    the gap too: docs/human-check.md says what the check does not stop.)"""
    with schema_context("alpha"):
        puzzle = humancheck.challenge()
        background, piece = humancheck.images(puzzle["id"])
        answer = humancheck.store().get(humancheck.puzzle_key(puzzle["id"]))["x"]
    bg = Image.open(BytesIO(background)).convert("L")
    cut = Image.open(BytesIO(piece))
    inside = [i for i, a in enumerate(cut.getchannel("A").get_flattened_data()) if a > 250]
    grey = cut.convert("L").get_flattened_data()
    shape = [grey[i] for i in inside]

    def likeness(x: int) -> float:
        under = bg.crop((x, 0, x + 58, 160)).get_flattened_data()
        under = [under[i] for i in inside]
        mu, ms = sum(under) / len(under), sum(shape) / len(shape)
        cov = sum((u - mu) * (p - ms) for u, p in zip(under, shape, strict=True))
        spread = (sum((u - mu) ** 2 for u in under) * sum((p - ms) ** 2 for p in shape)) ** .5
        return cov / spread if spread else 0.0

    best = max(range(0, 320 - 58 + 1, 1), key=likeness)
    assert abs(best - answer) <= 1


# --- what verify() refuses ----------------------------------------------------------------------


def _puzzle(schema: str = "alpha", age: float = 2.0) -> tuple[str, int]:
    with schema_context(schema):
        puzzle_id = humancheck.challenge()["id"]
    _aged(puzzle_id, schema, age)
    return puzzle_id, puzzle_answer(puzzle_id, schema)


def _verify(puzzle_id: str, position, trace: str, schema: str = "alpha", ip="10.1.1.1",
            identity=None):
    with schema_context(schema):
        humancheck.verify(puzzle_id, position, trace, ip=ip, identity=identity)


@pytest.mark.django_db
def test_a_hand_like_drag_onto_the_gap_passes_once(alpha):
    puzzle_id, x = _puzzle()
    _verify(puzzle_id, x + 2, hand_trace(x + 2))
    with pytest.raises(AppError) as replay:
        _verify(puzzle_id, x + 2, hand_trace(x + 2))
    assert str(replay.value.message) == REFUSED


@pytest.mark.django_db
@pytest.mark.parametrize("what", [
    "straight line at one speed", "instant jump", "too few samples", "not from the start",
    "time backwards", "longer than the puzzle lived", "ends elsewhere", "no trace", "garbage",
])
def test_made_up_drags_are_refused(alpha, what):
    puzzle_id, x = _puzzle()
    traces = {
        "straight line at one speed": ";".join(f"{i * 40},{x * i / 15:.1f}" for i in range(16)),
        "instant jump": "0,0;10,0;20,0;30,0;40,0;50," + str(x),
        "too few samples": f"0,0;200,{x / 2};400,{x}",
        "not from the start": hand_trace(x).replace("0,0;", "0,40;", 1),
        "time backwards": hand_trace(x) + f";10,{x}",
        "longer than the puzzle lived": hand_trace(x, duration_ms=5000),
        "ends elsewhere": hand_trace(x - 30),
        "no trace": "",
        "garbage": "0,0;<script>;1,2",
    }
    with pytest.raises(AppError) as refused:
        _verify(puzzle_id, x, traces[what])
    assert str(refused.value.message) == REFUSED


@pytest.mark.django_db
def test_an_answer_at_once_is_refused(alpha):
    puzzle_id, x = _puzzle(age=0)  # posted the moment the picture was drawn
    with pytest.raises(AppError):
        _verify(puzzle_id, x, hand_trace(x, duration_ms=150))


@pytest.mark.django_db
def test_an_expired_puzzle_is_refused(alpha):
    puzzle_id, x = _puzzle(age=humancheck.MAX_AGE + 1)
    with pytest.raises(AppError):
        _verify(puzzle_id, x, hand_trace(x))


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-6, 6, 40])
def test_a_piece_beside_the_gap_is_refused(alpha, offset):
    puzzle_id, x = _puzzle()
    with pytest.raises(AppError):
        _verify(puzzle_id, x + offset, hand_trace(x + offset))


@pytest.mark.django_db
@pytest.mark.parametrize("position", ["", "nan", "inf", "1e9", "abc"])
def test_nonsense_positions_are_refused(alpha, position):
    puzzle_id, x = _puzzle()
    with pytest.raises(AppError) as refused:
        _verify(puzzle_id, position, hand_trace(x))
    assert refused.value.status == 400


@pytest.mark.django_db
def test_a_wrong_try_uses_the_puzzle_up(alpha):
    puzzle_id, x = _puzzle()
    with pytest.raises(AppError):
        _verify(puzzle_id, x + 30, hand_trace(x + 30))
    with pytest.raises(AppError):
        _verify(puzzle_id, x, hand_trace(x))


@pytest.mark.django_db
def test_two_requests_racing_with_one_puzzle_do_not_both_pass(alpha):
    puzzle_id, x = _puzzle()
    outcomes: list[str] = []
    start = threading.Barrier(6)

    def attempt():
        start.wait()
        try:
            _verify(puzzle_id, x, hand_trace(x))
            outcomes.append("passed")
        except AppError:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["passed"] + ["refused"] * 5


# --- wrong answers pause the check --------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_answers_pause_the_check_for_that_identity(alpha, settings):
    settings.HUMAN_CHECK_FAILURES_PER_IDENTITY = 3
    for n in range(3):  # from three addresses, for one account spelled three ways
        puzzle_id, x = _puzzle()
        spelling = ["alpha-member", "ALPHA-member", " alpha-member "][n]
        response = Client(HTTP_HOST=alpha.host, REMOTE_ADDR=f"10.5.0.{n}").post("/login/", {
            "username": spelling, "password": PASSWORD, "hc_token": puzzle_id,
            "hc_position": str(x + 40), "hc_trace": hand_trace(x + 40)})
        assert REFUSED in response.content.decode()
    paused = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="10.5.0.9").post("/login/", {
        "username": "alpha-member", "password": PASSWORD, **solved_slider(alpha.host)})
    assert paused.status_code == 429 and PAUSED in paused.content.decode()
    # another account from the same addresses is not paused
    other = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="10.5.0.1").post("/login/", {
        "username": "alpha-finance", "password": PASSWORD, **solved_slider(alpha.host)})
    assert other.status_code == 302


@pytest.mark.django_db
def test_wrong_answers_pause_the_check_for_that_address(alpha, settings):
    settings.HUMAN_CHECK_FAILURES_PER_ADDRESS = 3
    client = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="10.6.0.1")
    for n in range(3):  # three names, so that no identity reaches its own limit
        puzzle_id, x = _puzzle()
        client.post("/login/", {"username": f"someone-{n}", "password": "guess",
                                "hc_token": puzzle_id, "hc_position": str(x + 40),
                                "hc_trace": hand_trace(x + 40)})
    paused = client.post("/login/", {"username": "alpha-member", "password": PASSWORD,
                                     **solved_slider(alpha.host)})
    assert paused.status_code == 429 and PAUSED in paused.content.decode()
    elsewhere = Client(HTTP_HOST=alpha.host, REMOTE_ADDR="10.6.0.2").post("/login/", {
        "username": "alpha-member", "password": PASSWORD, **solved_slider(alpha.host)})
    assert elsewhere.status_code == 302


# --- the pages and the API ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_picture_on_request(alpha):
    client = Client(HTTP_HOST=alpha.host)
    first = _token(client.get("/signup/").content.decode())
    fresh = client.post("/human-check/new/")
    assert fresh.status_code == 200 and "no-store" in fresh["Cache-Control"]
    body = fresh.json()
    assert set(body) == {"id", "background", "piece", "width", "height", "piece_width",
                         "expires_in"}
    assert body["id"] != first and body["background"] == f"/human-check/{body['id']}/bg.jpg"
    assert client.get("/human-check/new/").status_code == 405  # made by a post only


@pytest.mark.django_db
def test_an_api_client_gets_a_puzzle_and_signs_up_with_its_answer(alpha):
    from tenant_apps.accounts.tests.test_codes_and_signup import PHONE, last_code

    browser = Client(HTTP_HOST=alpha.host, enforce_csrf_checks=True)
    header = {"HTTP_X_CSRFTOKEN": browser.get("/api/v1/accounts/csrf/").json()["csrf_token"]}
    made = browser.post("/api/v1/accounts/human-check/", **header)
    assert made.status_code == 201 and "no-store" in made["Cache-Control"]
    puzzle = made.json()
    assert puzzle["background"] == f"http://alpha.localhost/human-check/{puzzle['id']}/bg.jpg"
    assert (puzzle["width"], puzzle["height"], puzzle["piece_width"]) == (320, 160, 58)
    assert browser.get(puzzle["piece"]).status_code == 200
    browser.post("/api/v1/accounts/code/", {"phone": PHONE, "purpose": "signup"},
                 content_type="application/json", **header)
    body = {"name": "赵六", "phone": PHONE, "email": "zhao@example.test",
            "password": "Zhao-2026-pass", "code": last_code(), "hc_token": puzzle["id"]}
    missing = browser.post("/api/v1/accounts/signup/", {**body, "hc_position": "100"},
                           content_type="application/json", **header)
    assert missing.status_code == 400 and "hc_trace" in missing.json()["error"]["fields"]
    _aged(puzzle["id"], "alpha")
    x = puzzle_answer(puzzle["id"], "alpha")
    wrong = browser.post("/api/v1/accounts/signup/", {
        **body, "hc_position": str(x + 30), "hc_trace": hand_trace(x + 30)},
        content_type="application/json", **header)
    assert wrong.status_code == 400
    assert wrong.json()["error"] == {"code": "human_check", "message": REFUSED,
                                     "field": "human_check"}
    again = browser.post("/api/v1/accounts/human-check/", **header).json()
    _aged(again["id"], "alpha")
    x = puzzle_answer(again["id"], "alpha")
    created = browser.post("/api/v1/accounts/signup/", {
        **body, "hc_token": again["id"], "hc_position": str(x), "hc_trace": hand_trace(x)},
        content_type="application/json", **header)
    assert created.status_code == 201, created.content
