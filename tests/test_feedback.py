""" "Was this helpful?": one counted answer per reader and entry, CSRF-protected."""

from django.test import Client


def test_feedback_counts_one_answer_per_reader(client, make_article):
    article = make_article(slug="craving")
    page = client.get("/terms/craving/").content.decode()
    assert "Was this helpful?" in page and 'name="csrfmiddlewaretoken"' in page
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


def test_feedback_requires_the_csrf_token(make_article):
    make_article(slug="craving")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/terms/craving/feedback/", {"helpful": "yes"}).status_code == 403
