"""A person using the service through HTTP only, as a browser would: pages are fetched, their forms
read from the HTML (fields, hidden inputs, the CSRF token, the button pressed), posted back with what
the person types or chooses, and redirects followed. Nothing here knows a route's field names in
advance: a field is found by its label, its name as the page draws it, or not at all (a clear failure).
"""

from __future__ import annotations

import io
import re
import threading
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from werkzeug.datastructures import MultiDict

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "area", "base", "wbr", "embed", "param", "track"}


def _words(text: str) -> str:
    return " ".join(unescape(text).split())


@dataclass
class Control:
    tag: str  # input, select, textarea, button
    type: str
    name: str
    value: str = ""
    checked: bool = False
    id: str = ""
    label: str = ""
    text: str = ""  # a button's words
    options: list[tuple[str, str, bool]] = field(default_factory=list)  # select: (value, label, selected)
    disabled: bool = False


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    controls: list[Control] = field(default_factory=list)

    def buttons(self) -> list[Control]:
        return [c for c in self.controls if c.tag == "button" or c.type in {"submit", "image"}]

    def button_texts(self) -> list[str]:
        return [b.text or b.value for b in self.buttons()]

    def names(self) -> list[str]:
        return sorted({c.name for c in self.controls if c.name})


@dataclass
class Link:
    href: str
    text: str


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[Link] = []
        self.labels: dict[str, str] = {}
        self._form: Form | None = None
        self._stack: list[tuple[str, object]] = []  # open elements whose text we collect
        self._select: Control | None = None
        self._option: list | None = None
        self._orphans: list[tuple[str, Control]] = []  # controls with form="..." outside their form
        self._form_ids: dict[str, Form] = {}

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower(), a.get("enctype", ""))
            self.forms.append(self._form)
            if a.get("id"):
                self._form_ids[a["id"]] = self._form
        elif tag == "a" and "href" in a:
            link = Link(a["href"], "")
            self.links.append(link)
            self._stack.append(("a", link))
        elif tag == "label":
            self._stack.append(("label", [a.get("for", ""), ""]))
        elif tag in {"input", "textarea", "button", "select"}:
            control = Control(
                tag=tag,
                type=(a.get("type") or ("submit" if tag == "button" else tag)).lower(),
                name=a.get("name", ""),
                value=a.get("value", ""),
                checked="checked" in a,
                id=a.get("id", ""),
                disabled="disabled" in a,
            )
            target = self._form_ids.get(a["form"]) if a.get("form") else self._form
            if a.get("form") and target is None:
                self._orphans.append((a["form"], control))
            elif target is not None:
                target.controls.append(control)
            if tag == "select":
                self._select = control
            elif tag in {"textarea", "button"}:
                self._stack.append((tag, control))
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "", "selected" in a]
            self._stack.append(("option", self._option))
        if tag in VOID and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        # close the innermost open element of this kind
        for index in range(len(self._stack) - 1, -1, -1):
            kind, item = self._stack[index]
            if kind != tag:
                continue
            del self._stack[index:]
            if kind == "a":
                item.text = _words(item.text)
            elif kind == "label":
                if item[0]:
                    self.labels[item[0]] = _words(item[1])
            elif kind == "option":
                value, label, selected = item
                label = _words(label)
                self._select.options.append((label if value is None else value, label, selected))
                self._option = None
            elif kind == "textarea":
                item.value = item.text.removeprefix("\n")
                item.text = ""
            elif kind == "button":
                item.text = _words(item.text)
            break

    def handle_data(self, data):
        for kind, item in self._stack:
            if kind == "a" or kind == "button" or kind == "textarea":
                item.text += data
            elif kind in {"label", "option"}:
                item[1] += data

    def close(self):
        super().close()
        for form_id, control in self._orphans:
            if form_id in self._form_ids:
                self._form_ids[form_id].controls.append(control)
        for form in self.forms:
            for control in form.controls:
                control.label = self.labels.get(control.id, "")


class Page:
    def __init__(self, browser: Browser, response, url: str):
        self.browser, self.response, self.url = browser, response, url
        self.status = response.status_code
        self.html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        parser = _PageParser()
        parser.feed(self.html)
        parser.close()
        self.forms, self.links = parser.forms, parser.links

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def text(self) -> str:
        without_tags = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", self.html, flags=re.S)
        return _words(without_tags)

    @property
    def h1(self) -> str:
        found = re.search(r"<h1[^>]*>(.*?)</h1>", self.html, flags=re.S)
        return _words(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""

    @property
    def banner(self) -> str:
        """The notification banners at the top of the page (what a flash said)."""
        found = re.findall(r'<div class="govuk-notification-banner.*?</div>\s*</div>', self.html, flags=re.S)
        return " ".join(_words(re.sub(r"<[^>]+>", " ", item)) for item in found)

    @property
    def errors(self) -> list[str]:
        summary = re.search(r'<div class="govuk-error-summary".*?</ul>', self.html, flags=re.S)
        if not summary:
            return []
        return [_words(re.sub(r"<[^>]+>", " ", item)) for item in re.findall(r"<li>.*?</li>", summary.group(0), re.S)]

    def describe(self) -> str:
        return f"{self.status} {self.path} «{self.h1}» errors={self.errors} banner={self.banner!r}"

    def ok(self) -> Page:
        """The page answered 200 without an error summary."""
        assert self.status == 200 and not self.errors, self.describe()
        return self

    def link(self, text: str, *, exact: bool = False) -> str:
        for link in self.links:
            if (link.text == text) if exact else (text in link.text):
                return link.href
        raise AssertionError(f"no link {text!r} on {self.path}: {[link.text for link in self.links][:80]}")

    def follow(self, text: str, *, exact: bool = False) -> Page:
        return self.browser.get(self.link(text, exact=exact))

    def form(self, button: str | None = None, *, action: str | None = None) -> Filling:
        """The form with a button saying ``button`` (or whose action contains ``action``)."""
        for form in self.forms:
            if action is not None and action not in form.action:
                continue
            if button is not None and not any(button == text for text in form.button_texts()):
                continue
            return Filling(self, form, button)
        found = [(f.action, f.button_texts()) for f in self.forms]
        raise AssertionError(f"no form with button {button!r} / action {action!r} on {self.describe()}: {found}")

    def press(self, button: str, **kwargs) -> Page:
        """Press a button whose form needs nothing typed (a confirmation, a status change)."""
        return self.form(button, **kwargs).submit()


class Filling:
    """A form being filled in: starts with what the page drew (hidden inputs, ticked boxes, selected
    options, typed values) and is posted with the pressed button's own name and value."""

    def __init__(self, page: Page, form: Form, button: str | None):
        self.page, self.form, self.button = page, form, button
        self.values: dict[str, list] = {}
        for control in form.controls:
            if not control.name or control.disabled or control.tag == "button" or control.type in {"submit", "image"}:
                continue
            if control.type in {"radio", "checkbox"}:
                if control.checked:
                    self.values.setdefault(control.name, []).append(control.value or "on")
            elif control.tag == "select":
                chosen = [value for value, _, selected in control.options if selected]
                if not chosen and control.options:
                    chosen = [control.options[0][0]]
                self.values[control.name] = chosen[:1]
            elif control.type == "file":
                continue
            else:
                self.values.setdefault(control.name, []).append(control.value)

    def _controls(self, name: str) -> list[Control]:
        found = [c for c in self.form.controls if c.name == name]
        assert found, f"no field {name!r} in the form on {self.page.path}; it has {self.form.names()}"
        return found

    def _by_label(self, label: str) -> Control:
        for control in self.form.controls:
            if control.label == label and control.type not in {"radio", "checkbox"}:
                return control
        labels = [c.label for c in self.form.controls if c.label]
        raise AssertionError(f"no field labelled {label!r} on {self.page.path}; labels: {labels}")

    def fill(self, name: str, value) -> Filling:
        """Type into the field named ``name`` as the page draws it."""
        control = self._controls(name)[0]
        assert control.type not in {"radio", "checkbox"} and control.tag != "select", f"{name} is a {control.type}"
        self.values[name] = [str(value)]
        return self

    def type(self, label: str, value) -> Filling:
        """Type into the field with this label."""
        control = self._by_label(label)
        self.values[control.name] = [str(value)]
        return self

    def choose(self, name: str, label: str, *, exact: bool = True) -> Filling:
        """Tick the radio button (or pick the option) of field ``name`` whose label is ``label``."""
        controls = self._controls(name)
        if controls[0].tag == "select":
            options = controls[0].options
            for value, text, _ in options:
                if (text == label) if exact else (label in text):
                    self.values[name] = [value]
                    return self
            raise AssertionError(f"no option {label!r} for {name}: {[text for _, text, _ in options]}")
        for control in controls:
            if (control.label == label) if exact else (label in control.label):
                if control.type == "checkbox":
                    self.values.setdefault(name, [])
                    if control.value not in self.values[name]:
                        self.values[name].append(control.value)
                else:
                    self.values[name] = [control.value]
                return self
        raise AssertionError(f"no choice {label!r} for {name}: {[c.label for c in controls]}")

    def tick_only(self, name: str, labels: list[str]) -> Filling:
        """Leave exactly these checkboxes of field ``name`` ticked."""
        self.values[name] = []
        for label in labels:
            self.choose(name, label)
        return self

    def date(self, name: str, value) -> Filling:
        """A GOV.UK date input: three boxes of one name, day, month and year."""
        controls = self._controls(name)
        assert len(controls) == 3, f"{name} is not a date input on {self.page.path}"
        self.values[name] = [str(value.day), str(value.month), str(value.year)]
        return self

    def attach(self, name: str, filename: str, content: bytes) -> Filling:
        control = self._controls(name)[0]
        assert control.type == "file", f"{name} is not a file field"
        self.values[name] = [(content, filename)]
        return self

    def _data(self) -> list[tuple[str, object]]:
        data: list[tuple[str, object]] = [(name, value) for name, values in self.values.items() for value in values]
        if self.button is not None:
            pressed = next(b for b in self.form.buttons() if (b.text or b.value) == self.button)
            if pressed.name:
                data.append((pressed.name, pressed.value))
        return data

    def _action(self) -> str:
        return urljoin(self.page.url, self.form.action or self.page.url)

    def submit(self) -> Page:
        data, action = self._data(), self._action()
        if self.form.method == "get":
            query = "&".join(f"{k}={v}" for k, v in data)
            return self.page.browser.get(f"{action.split('?')[0]}?{query}")
        return self.page.browser.post(action, data, multipart="multipart" in self.form.enctype)

    def submit_at_once(self, times: int = 2) -> list[Page]:
        """The button pressed ``times`` times so quickly that every post is in flight together (a double
        click the browser did not stop): the pages each press ends on, in the order they answered."""
        assert self.form.method == "post", f"{self.form.action} is not posted"
        return self.page.browser.post_at_once(self._action(), self._data(), times)


class Browser:
    """One person's browser: their own cookies and their own IP address (people do not share one)."""

    def __init__(self, app, name: str, address: str):
        self.app, self.name = app, name
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        self.history: list[Page] = []

    def _finish(self, response, url: str) -> Page:
        for _ in range(10):
            if response.status_code not in {301, 302, 303, 307}:
                break
            url = urljoin(url, response.headers["Location"])
            response = self.client.get(_local(url))
        page = Page(self, response, url)
        assert page.status < 500, f"{self.name}: {page.status} at {page.path}\n{page.text[:2000]}"
        self.history.append(page)
        return page

    def get(self, url: str) -> Page:
        url = urljoin("http://localhost/", url)
        return self._finish(self.client.get(_local(url)), url)

    def post(self, url: str, data: list[tuple[str, object]], *, multipart: bool = False) -> Page:
        form = MultiDict()
        for name, value in data:
            form.add(name, (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value)
        kwargs = {"content_type": "multipart/form-data"} if multipart else {}
        response = self.client.post(_local(url), data=form, **kwargs)
        return self._finish(response, url)

    def post_at_once(self, url: str, data: list[tuple[str, object]], times: int) -> list[Page]:
        """The same post sent ``times`` times at the same moment, each from a tab of this browser (its
        own connection, the same cookies), each tab following its own redirects."""
        tabs = []
        for _ in range(times):
            tab = self.app.test_client()
            tab.environ_base.update(self.client.environ_base)
            tab._cookies = dict(self.client._cookies)  # the browser's cookies, as another tab sends them
            tabs.append(tab)
        barrier = threading.Barrier(times)
        answered: list[tuple[object, str]] = []
        failures: list[BaseException] = []

        def press(tab):
            try:
                barrier.wait(10)
                response, location = tab.post(_local(url), data=MultiDict(data)), url
                while response.status_code in {301, 302, 303, 307}:
                    location = urljoin(location, response.headers["Location"])
                    response = tab.get(_local(location))
                answered.append((response, location))
            except BaseException as error:  # noqa: BLE001  # reported below, in the test's own thread
                failures.append(error)

        threads = [threading.Thread(target=press, args=(tab,)) for tab in tabs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures, failures
        assert len(answered) == times, f"{times - len(answered)} of the posts to {url} never answered"
        pages = [Page(self, response, location) for response, location in answered]
        for page in pages:
            assert page.status < 500, f"{self.name}: {page.status} at {page.path}\n{page.text[:2000]}"
        self.history += pages
        return pages


def _local(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
