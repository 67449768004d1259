""" "Was this helpful?": one counted answer per reader and entry; answers from other sites
refused."""

from django.test import Client


def test_feedback_counts_one_answer_per_reader(client, make_entry):
    article = make_entry(slug="craving")
    page = client.get("/terms/craving/").content.decode()
    assert "Was this helpful?" in page and "csrfmiddlewaretoken" not in page
    response = client.post("/terms/craving/feedback/", {"helpful": "yes"})
    assert response.status_code == 303
    assert response["Location"] == "/terms/craving/?feedback=thanks#feedback"
    client.post("/terms/craving/feedback/", {"helpful": "no"})  # the same reader again
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 0)
    assert "Thank you for telling us" in client.get("/terms/craving/").content.decode()
    # The same address without the cookie is not counted again today either.
    Client().post("/terms/craving/feedback/", {"helpful": "no"})
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no) == (1, 0)
    assert client.post("/terms/craving/feedback/", {"helpful": "maybe"}).status_code == 400
    assert client.get("/terms/craving/feedback/").status_code == 405
    assert client.post("/terms/nope/feedback/", {"helpful": "yes"}).status_code == 404


def test_answers_from_other_sites_are_refused(make_entry):
    article = make_entry(slug="craving")
    strict = Client(enforce_csrf_checks=True)  # no token needed: the origin is checked
    answer = {"helpful": "yes"}
    forged = [
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "https://sub.testserver"},
        {"HTTP_ORIGIN": "https://evil.example"},  # an older browser: Origin only
        {"HTTP_ORIGIN": "null"},
    ]
    for headers in forged:
        response = strict.post("/terms/craving/feedback/", answer, **headers)
        assert response.status_code == 403, headers
        assert "only be sent from its own pages" in response.content.decode()
    article.refresh_from_db()
    assert article.helpful_yes == 0
    accepted = [
        {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": "http://testserver"},
        {"HTTP_ORIGIN": "http://testserver"},
        {},  # not a browser: it cannot be a forged request from a reader's browser
    ]
    for headers in accepted:
        assert Client(**headers).post("/terms/craving/feedback/", answer).status_code == 303


def test_a_reader_gets_no_cookie_until_answering(make_entry):
    make_entry(slug="craving")
    reader = Client()
    for _ in range(2):
        assert not reader.get("/terms/craving/").cookies
    response = reader.post("/terms/craving/feedback/", {"helpful": "yes"})
    assert list(response.cookies) == ["kb_answered"]
