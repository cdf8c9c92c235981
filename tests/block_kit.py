"""Every message, modal and Home view Buddy sends is checked as Slack would check it, before Slack
refuses it: first with slack_sdk's Block Kit models, then with Slack's own rules that the models
miss (they check each block's own fields only, never the elements inside a block, nor anything
that spans blocks, so three buttons sharing one action id in a block passed here and Slack
refused the whole Home tab).

Every rule in `slack_rule_problems` is a limit written in Slack's Block Kit reference
(docs.slack.dev/reference/block-kit/...): the page is named beside each group of limits. Only
documented limits are encoded, so a failure here is a payload Slack says it refuses."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

# blocks: "up to 50 blocks in each message, and 100 blocks in modals or Home tabs".
MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
VIEW_METHODS = ("views.open", "views.update", "views.push", "views.publish")
MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")

# text object: "The minimum length is 1 and maximum length is 3000 characters".
TEXT_LIMIT = 3000
# block_id (every block), action_id (every element), callback_id and external_id (views): 255.
ID_LIMIT = 255
# section block: text 3000; fields at most 10 items of at most 2000 characters.
FIELDS_LIMIT = 10
FIELD_TEXT_LIMIT = 2000
# actions block: "a maximum of 25 elements"; context block: "Maximum number of items is 10".
ACTIONS_ELEMENTS_LIMIT = 25
CONTEXT_ELEMENTS_LIMIT = 10
# header block: text 150; input block: label and hint 2000.
HEADER_TEXT_LIMIT = 150
LABEL_LIMIT = 2000
# button element: text 75, value 2000, url 3000, accessibility_label 75, style primary/danger.
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
URL_LIMIT = 3000
BUTTON_STYLES = ("primary", "danger")
# placeholder of any element (the Placeholdable extension): 150.
PLACEHOLDER_LIMIT = 150
# option object: text 75, value 150, description 75; url only in overflow menus, 3000.
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
# select menus: options at most 100, or option_groups at most 100, each with a label of 75
# and at most 100 options; never both (option group object, select menu element).
MENU_OPTIONS_LIMIT = 100
# checkboxes and radio buttons: "A maximum of 10 options are allowed".
CHOICE_OPTIONS_LIMIT = 10
# overflow menu: "up to five option objects"; api.slack.com's reference: "minimum is 2".
OVERFLOW_OPTIONS = (2, 5)
# plain-text input: min_length 0..3000, max_length 1..3000.
INPUT_LENGTH_LIMIT = 3000
# file input: max_files 1..10, and no dispatch_action on its input block.
FILE_INPUT_MAX_FILES = (1, 10)
# confirmation dialog object: title 100, text 300, confirm and deny 30.
CONFIRM_LIMITS = {"title": 100, "text": 300, "confirm": 30, "deny": 30}
# modal view: title, close and submit 24; private_metadata 3000 (modals and Home tabs).
MODAL_TEXT_LIMIT = 24
PRIVATE_METADATA_LIMIT = 3000

STATIC_MENUS = ("static_select", "multi_static_select")
PLAIN_ONLY_OPTIONS = (*STATIC_MENUS, "overflow")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class _Rules:
    """Walks one surface (a message's or a view's blocks) and notes every rule broken, with
    where: `blocks[2].elements[1].text` reads like the payload itself."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.focused = 0  # elements with focus_on_load
        self.inputs = 0  # input blocks

    def fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def length(self, where: str, value: Any, limit: int, least: int = 0) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.fail(where, "must be a string")
        elif not least <= len(value) <= limit:
            self.fail(where, f"{len(value)} characters, Slack allows {least} to {limit}")

    def text(self, where: str, obj: Any, limit: int = TEXT_LIMIT, *, plain: bool = False) -> None:
        """A text object: plain_text or mrkdwn (plain_text only where `plain`), 1..limit."""
        kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if not isinstance(obj, dict) or obj.get("type") not in kinds:
            self.fail(where, f"must be a {' or '.join(kinds)} text object, not {obj!r:.80}")
            return
        self.length(f"{where}.text", obj.get("text"), min(limit, TEXT_LIMIT), least=1)

    def number(self, where: str, value: Any, least: int, most: int) -> None:
        if value is not None and not (isinstance(value, int) and least <= value <= most):
            self.fail(where, f"{value!r}, Slack allows {least} to {most}")

    def count(self, where: str, items: Any, most: int, least: int = 1) -> list[Any]:
        if not isinstance(items, list):
            self.fail(where, "must be a list")
            return []
        if not least <= len(items) <= most:
            self.fail(where, f"{len(items)} items, Slack allows {least} to {most}")
        return items

    def unique(self, where: str, what: str, values: Iterable[Any]) -> None:
        repeated = sorted(v for v, n in Counter(str(v) for v in values).items() if n > 1)
        if repeated:
            self.fail(where, f"{what} must be unique, repeated: {', '.join(repeated)}")

    # -- blocks ----------------------------------------------------------------------------------

    def blocks(self, blocks: Any, limit: int) -> None:
        blocks = self.count("blocks", blocks, limit, least=0)
        # block_id: "should be unique for each message or view" (every block's reference).
        self.unique(
            "blocks",
            "block_id",
            (b["block_id"] for b in blocks if isinstance(b, dict) and "block_id" in b),
        )
        for i, block in enumerate(blocks):
            self.block(f"blocks[{i}]", block)

    def block(self, where: str, block: Any) -> None:
        if not isinstance(block, dict):
            self.fail(where, "must be an object")
            return
        self.length(f"{where}.block_id", block.get("block_id"), ID_LIMIT)
        kind = block.get("type")
        elements: list[Any] = []
        if kind == "section":  # section block
            if "text" not in block and not block.get("fields"):
                self.fail(where, "a section needs text or fields")
            if "text" in block:
                self.text(f"{where}.text", block["text"])
            if "fields" in block:
                fields = self.count(f"{where}.fields", block["fields"], FIELDS_LIMIT)
                for j, field in enumerate(fields):
                    self.text(f"{where}.fields[{j}]", field, FIELD_TEXT_LIMIT)
            if "accessory" in block:
                elements = [block["accessory"]]
                self.element(f"{where}.accessory", block["accessory"])
        elif kind == "actions":  # actions block
            elements = self.count(
                f"{where}.elements", block.get("elements"), ACTIONS_ELEMENTS_LIMIT
            )
            for j, element in enumerate(elements):
                self.element(f"{where}.elements[{j}]", element)
        elif kind == "context":  # context block: image elements and text objects only
            items = self.count(f"{where}.elements", block.get("elements"), CONTEXT_ELEMENTS_LIMIT)
            for j, item in enumerate(items):
                if not (isinstance(item, dict) and item.get("type") == "image"):
                    self.text(f"{where}.elements[{j}]", item)
        elif kind == "header":  # header block
            self.text(f"{where}.text", block.get("text"), HEADER_TEXT_LIMIT, plain=True)
        elif kind == "input":  # input block
            self.inputs += 1
            self.text(f"{where}.label", block.get("label"), LABEL_LIMIT, plain=True)
            if "hint" in block:
                self.text(f"{where}.hint", block["hint"], LABEL_LIMIT, plain=True)
            element = block.get("element")
            if element is None:
                self.fail(where, "an input block needs an element")
            else:
                elements = [element]
                self.element(f"{where}.element", element)
                is_file = isinstance(element, dict) and element.get("type") == "file_input"
                if is_file and block.get("dispatch_action"):
                    self.fail(where, "dispatch_action cannot be used with file_input")
        # action_id: "Should be unique among all other action_ids in the containing block".
        self.unique(
            where,
            "action_id",
            (e["action_id"] for e in elements if isinstance(e, dict) and "action_id" in e),
        )

    # -- elements --------------------------------------------------------------------------------

    def element(self, where: str, element: Any) -> None:
        if not isinstance(element, dict):
            self.fail(where, "must be an object")
            return
        kind = element.get("type")
        self.length(f"{where}.action_id", element.get("action_id"), ID_LIMIT)
        if "placeholder" in element:
            self.text(f"{where}.placeholder", element["placeholder"], PLACEHOLDER_LIMIT, plain=True)
        if "confirm" in element:
            self.confirm(f"{where}.confirm", element["confirm"])
        if element.get("focus_on_load"):
            self.focused += 1
        if kind == "button":  # button element
            self.text(f"{where}.text", element.get("text"), BUTTON_TEXT_LIMIT, plain=True)
            self.length(f"{where}.value", element.get("value"), BUTTON_VALUE_LIMIT)
            self.length(f"{where}.url", element.get("url"), URL_LIMIT)
            self.length(
                f"{where}.accessibility_label",
                element.get("accessibility_label"),
                BUTTON_TEXT_LIMIT,
            )
            if "style" in element and element["style"] not in BUTTON_STYLES:
                self.fail(f"{where}.style", f"must be primary or danger, not {element['style']!r}")
        elif kind in STATIC_MENUS:  # select menu and multi-select menu of static options
            self.menu(where, element)
        elif kind == "overflow":  # overflow menu element
            least, most = OVERFLOW_OPTIONS
            options = self.count(f"{where}.options", element.get("options"), most, least)
            self.options(where, kind, options)
        elif kind in ("checkboxes", "radio_buttons"):
            options = self.count(f"{where}.options", element.get("options"), CHOICE_OPTIONS_LIMIT)
            self.options(where, kind, options)
            self.initial(where, element, options)
        elif kind == "plain_text_input":  # plain-text input element
            self.number(f"{where}.min_length", element.get("min_length"), 0, INPUT_LENGTH_LIMIT)
            self.number(f"{where}.max_length", element.get("max_length"), 1, INPUT_LENGTH_LIMIT)
        elif kind == "datepicker" and "initial_date" in element:  # date picker: YYYY-MM-DD
            if not DATE.fullmatch(str(element["initial_date"])):
                self.fail(f"{where}.initial_date", "must be YYYY-MM-DD")
        elif kind == "timepicker" and "initial_time" in element:  # time picker: HH:mm
            if not TIME.fullmatch(str(element["initial_time"])):
                self.fail(f"{where}.initial_time", "must be HH:mm, 24-hour")
        elif kind == "file_input":  # file input element
            self.number(f"{where}.max_files", element.get("max_files"), *FILE_INPUT_MAX_FILES)

    def menu(self, where: str, element: dict[str, Any]) -> None:
        kind = str(element.get("type"))
        has_options, has_groups = "options" in element, "option_groups" in element
        if has_options == has_groups:
            self.fail(where, "a static menu needs options or option_groups, not both")
        options: list[Any] = []
        if has_options:
            options = self.count(f"{where}.options", element["options"], MENU_OPTIONS_LIMIT)
            self.options(where, kind, options)
        if has_groups:
            groups = self.count(
                f"{where}.option_groups", element["option_groups"], MENU_OPTIONS_LIMIT
            )
            for j, group in enumerate(groups):
                at = f"{where}.option_groups[{j}]"
                if not isinstance(group, dict):
                    self.fail(at, "must be an object")
                    continue
                self.text(f"{at}.label", group.get("label"), OPTION_TEXT_LIMIT, plain=True)
                grouped = self.count(f"{at}.options", group.get("options"), MENU_OPTIONS_LIMIT)
                self.options(at, kind, grouped)
                options.extend(grouped)
        self.unique(
            where,
            "option value",
            (o["value"] for o in options if isinstance(o, dict) and "value" in o),
        )
        self.initial(where, element, options)

    def options(self, where: str, kind: str, options: list[Any]) -> None:
        """Option objects: plain text only in menus, a url only in overflow menus."""
        for j, option in enumerate(options):
            at = f"{where}.options[{j}]"
            if not isinstance(option, dict):
                self.fail(at, "must be an object")
                continue
            plain = kind in PLAIN_ONLY_OPTIONS
            self.text(f"{at}.text", option.get("text"), OPTION_TEXT_LIMIT, plain=plain)
            if "value" not in option:
                self.fail(at, "an option needs a value")
            self.length(f"{at}.value", option.get("value"), OPTION_VALUE_LIMIT, least=1)
            if "description" in option:
                self.text(f"{at}.description", option["description"], OPTION_TEXT_LIMIT)
            if "url" in option:
                if kind != "overflow":
                    self.fail(f"{at}.url", "only overflow menus' options may have a url")
                self.length(f"{at}.url", option["url"], URL_LIMIT)
        if kind in ("checkboxes", "radio_buttons", "overflow"):
            self.unique(
                where,
                "option value",
                (o["value"] for o in options if isinstance(o, dict) and "value" in o),
            )

    def initial(self, where: str, element: dict[str, Any], options: list[Any]) -> None:
        """initial_option(s): "exactly matches one of the options within options"."""
        chosen = list(element.get("initial_options") or [])
        if "initial_option" in element:
            chosen.append(element["initial_option"])
        for option in chosen:
            if option not in options:
                self.fail(where, f"initial option {option!r:.80} is not one of its options")

    def confirm(self, where: str, dialog: Any) -> None:
        if not isinstance(dialog, dict):
            self.fail(where, "must be an object")
            return
        for key, limit in CONFIRM_LIMITS.items():
            if key in dialog:
                self.text(f"{where}.{key}", dialog[key], limit, plain=key != "text")
        if "style" in dialog and dialog["style"] not in BUTTON_STYLES:
            self.fail(f"{where}.style", f"must be primary or danger, not {dialog['style']!r}")


def slack_rule_problems(surface: dict[str, Any], *, view: bool) -> list[str]:
    """What Slack would refuse in a message (`view=False`) or a modal or Home view, in words."""
    rules = _Rules()
    kind = surface.get("type")
    rules.blocks(surface.get("blocks") or [], VIEW_BLOCK_LIMIT if view else MESSAGE_BLOCK_LIMIT)
    if view:
        # focus_on_load: "Only one element can be set to true" in a view.
        if rules.focused > 1:
            rules.fail("view", f"{rules.focused} elements set focus_on_load, Slack allows one")
        rules.length(
            "view.private_metadata", surface.get("private_metadata"), PRIVATE_METADATA_LIMIT
        )
        rules.length("view.callback_id", surface.get("callback_id"), ID_LIMIT)
        rules.length("view.external_id", surface.get("external_id"), ID_LIMIT)
    if view and kind == "modal":  # modal view object
        rules.text("view.title", surface.get("title"), MODAL_TEXT_LIMIT, plain=True)
        for key in ("close", "submit"):
            if key in surface:
                rules.text(f"view.{key}", surface[key], MODAL_TEXT_LIMIT, plain=True)
        if rules.inputs and "submit" not in surface:
            rules.fail("view", "submit is required when an input block is within the blocks")
    return rules.problems


def _assert_follows_slack_rules(surface: dict[str, Any], *, view: bool) -> None:
    problems = slack_rule_problems(surface, view=view)
    assert not problems, "Slack would refuse this:\n" + "\n".join(problems)


def check_blocks(blocks: list[dict[str, Any]], limit: int = MESSAGE_BLOCK_LIMIT) -> None:
    assert len(blocks) <= limit, f"{len(blocks)} blocks, more than Slack's {limit}"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, f"not a Block Kit block: {raw}"
        block.validate_json()


def check_message(message: dict[str, Any]) -> None:
    """A message or a command's answer: fallback text, and blocks within Slack's rules."""
    blocks = _decoded(message.get("blocks")) or []
    if blocks:
        assert message.get("text"), "a message with blocks needs fallback text for notifications"
    check_blocks(blocks)
    _assert_follows_slack_rules({"blocks": blocks}, view=False)


def check_view(view: dict[str, Any] | str) -> None:
    raw = _decoded(view)
    View(**raw).validate_json()
    check_blocks(raw.get("blocks") or [], VIEW_BLOCK_LIMIT)
    _assert_follows_slack_rules(raw, view=True)


def check_web_api_call(method: str, params: dict[str, Any]) -> None:
    if method in VIEW_METHODS and "view" in params:
        check_view(params["view"])
    elif method in MESSAGE_METHODS:
        check_message(params)
