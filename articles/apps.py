from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Glossary"

    def ready(self):
        from .content import signals  # noqa: F401  (connects the rendering handlers)
