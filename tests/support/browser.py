"""What a browser test watches on its tab."""


def watch_for_errors(page, errors: list, failed: list) -> None:
    """Collect what says a page is broken: a script's error or a console error in `errors`, and
    the URL of every answer of 400 or more in `failed`. The console's own "Failed to load
    resource" line is left out: it names no URL, and the load is in `failed` by its URL."""
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and errors.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda answer: answer.status >= 400 and failed.append(answer.url))
