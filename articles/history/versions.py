"""The saved versions of one object, oldest first, numbered from 1 as its History lists
them, each with the name of the editor who saved it."""

from reversion.models import Version


def of(obj):
    """Every version of `obj`; each carries `number`, `editor` and `previous` (the version
    before it, or None). The stored contents are left unread until a compare needs them."""
    listed = list(
        Version.objects.get_for_object(obj)
        .select_related("revision__user")
        .defer("serialized_data")
        .order_by("pk")  # the order revisions were saved in, as reversion lists them
    )
    previous = None
    for number, version in enumerate(listed, 1):
        version.number = number
        version.editor = editor_name(version.revision.user)
        version.previous = previous
        previous = version
    return listed


def editor_name(user):
    """“Ana Ruiz (ana)”, or the user name alone. A revision saved outside the admin, or by
    an account deleted since, has no user."""
    if user is None:
        return "Unknown editor"
    full_name = user.get_full_name()
    return f"{full_name} ({user.get_username()})" if full_name else user.get_username()
