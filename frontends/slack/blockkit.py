"""Buddy's documents (`conversation/blocks.py`) drawn as Block Kit, within Slack's limits.

Buddy markup is Slack's mrkdwn already (`conversation/markup.py` writes it so), so text goes
through as it is; everything else is one small function per part."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conversation.blocks import (
    BUTTON_TEXT_LIMIT,
    CONTEXT_TEXT_LIMIT,
    FORM_TITLE_LIMIT,
    HEADER_TEXT_LIMIT,
    HINT_LIMIT,
    LABEL_LIMIT,
    OPTION_GROUP_LABEL_LIMIT,
    OPTION_TEXT_LIMIT,
    PLACEHOLDER_LIMIT,
    SECTION_TEXT_LIMIT,
    Button,
    Buttons,
    Checkboxes,
    DateInput,
    Divider,
    Field,
    Form,
    Heading,
    HomeView,
    Image,
    Input,
    Menu,
    Note,
    Option,
    Paragraph,
    Part,
    PersonPicker,
    Radio,
    TextInput,
    TimeInput,
    truncate,
)

Block = dict[str, Any]


def mrkdwn(text: str, limit: int = SECTION_TEXT_LIMIT) -> Block:
    return {"type": "mrkdwn", "text": truncate(text, limit)}


def plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def draw_button(part: Button) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(part.label, BUTTON_TEXT_LIMIT),
        "action_id": part.intent,
    }
    if part.value:
        element["value"] = part.value
    if part.url:
        element["url"] = part.url
    if part.style is not None:
        element["style"] = part.style
    if part.confirm is not None:
        element["confirm"] = {
            "title": plain(part.confirm.title, 100),
            "text": plain(part.confirm.text, 300),
            "confirm": plain(part.confirm.yes, 30),
            "deny": plain(part.confirm.no, 30),
            "style": part.style or "primary",
        }
    return element


def draw_option(option: Option) -> Block:
    return {"text": plain(option.label, OPTION_TEXT_LIMIT), "value": option.value}


def draw_rich_option(option: Option) -> Block:
    return {"text": mrkdwn(option.label), "value": option.value}


def draw_menu(part: Menu, action_id: str | None = None) -> Block:
    element: Block = {"type": "static_select", "action_id": action_id or part.intent}
    if part.groups:
        element["option_groups"] = [
            {
                "label": plain(group.label, OPTION_GROUP_LABEL_LIMIT),
                "options": [draw_option(o) for o in group.options],
            }
            for group in part.groups
        ]
        choices = [o for group in part.groups for o in group.options]
    else:
        element["options"] = [draw_option(o) for o in part.options]
        choices = list(part.options)
    chosen = next((o for o in choices if o.value == part.initial), None)
    if chosen is not None:
        element["initial_option"] = draw_option(chosen)
    if part.placeholder:
        element["placeholder"] = plain(part.placeholder, PLACEHOLDER_LIMIT)
    return element


def draw_control(part: Button | Menu) -> Block:
    return draw_button(part) if isinstance(part, Button) else draw_menu(part)


def draw_input(part: Input, action_id: str) -> Block:
    element: Block
    if isinstance(part, TextInput):
        element = {"type": "plain_text_input"}
        if part.multiline:
            element["multiline"] = True
        if part.initial is not None:
            element["initial_value"] = part.initial
        if part.placeholder:
            element["placeholder"] = plain(part.placeholder, PLACEHOLDER_LIMIT)
        if part.max_length is not None:
            element["max_length"] = part.max_length
        if part.min_length is not None:
            element["min_length"] = part.min_length
    elif isinstance(part, DateInput):
        element = {"type": "datepicker"}
        if part.initial is not None:
            element["initial_date"] = part.initial.isoformat()
    elif isinstance(part, TimeInput):
        element = {"type": "timepicker"}
        if part.initial is not None:
            element["initial_time"] = f"{part.initial.hour:02d}:{part.initial.minute:02d}"
    elif isinstance(part, Menu):
        element = draw_menu(part, action_id)
    elif isinstance(part, Checkboxes):
        draw = draw_rich_option if part.markup else draw_option
        element = {"type": "checkboxes", "options": [draw(o) for o in part.options]}
        initial = [draw(o) for o in part.options if o.value in part.initial]
        if initial:
            element["initial_options"] = initial
    elif isinstance(part, Radio):
        element = {"type": "radio_buttons", "options": [draw_option(o) for o in part.options]}
        chosen = next((o for o in part.options if o.value == part.initial), None)
        if chosen is not None:
            element["initial_option"] = draw_option(chosen)
    elif isinstance(part, PersonPicker):
        element = {"type": "users_select"}
        if part.initial:
            element["initial_user"] = part.initial
    else:
        element = {"type": "file_input", "max_files": part.max_files}
        if part.filetypes:
            element["filetypes"] = list(part.filetypes)
    element["action_id"] = action_id
    return element


def draw_field(part: Field) -> Block:
    """A form's input; its element's action id is its block id (how `FormValues` reads it)."""
    block: Block = {
        "type": "input",
        "block_id": part.field_id,
        "optional": part.optional,
        "label": plain(part.label, LABEL_LIMIT),
        "element": draw_input(part.input, part.field_id),
    }
    if part.hint:
        block["hint"] = plain(part.hint, HINT_LIMIT)
    return block


def draw_part(part: Part) -> Block:
    if isinstance(part, Heading):
        return {"type": "header", "text": plain(part.text, HEADER_TEXT_LIMIT)}
    if isinstance(part, Paragraph):
        block: Block = {"type": "section", "text": mrkdwn(part.text)}
        if part.accessory is not None:
            block["accessory"] = draw_control(part.accessory)
        return block
    if isinstance(part, Note):
        return {"type": "context", "elements": [mrkdwn(part.text, CONTEXT_TEXT_LIMIT)]}
    if isinstance(part, Divider):
        return {"type": "divider"}
    if isinstance(part, Buttons):
        row: Block = {"type": "actions", "elements": [draw_control(i) for i in part.items]}
        if part.row_id:
            row["block_id"] = part.row_id
        return row
    if isinstance(part, Image):
        image: Block = {"type": "image", "image_url": part.url, "alt_text": part.alt}
        if part.title:
            image["title"] = plain(part.title, 2000)
        return image
    return draw_field(part)


def draw_blocks(parts: Sequence[Part]) -> list[Block]:
    return [draw_part(p) for p in parts]


def draw_form(part: Form) -> Block:
    """A modal view."""
    view: Block = {
        "type": "modal",
        "callback_id": part.intent,
        "title": plain(part.title, FORM_TITLE_LIMIT),
        "close": plain(part.close, FORM_TITLE_LIMIT),
        "blocks": draw_blocks(part.blocks),
    }
    if part.submit:
        view["submit"] = plain(part.submit, FORM_TITLE_LIMIT)
    if part.payload:
        view["private_metadata"] = part.payload
    if part.notify_on_close:
        view["notify_on_close"] = True
    return view


def draw_home(part: HomeView) -> Block:
    return {"type": "home", "blocks": draw_blocks(part.blocks)}


def draw_reply(reply: dict[str, Any]) -> dict[str, Any]:
    """An answer (`conversation.replies.Reply`) as the body Slack takes: its parts drawn."""
    drawn = dict(reply)
    if "blocks" in drawn:
        drawn["blocks"] = draw_blocks(drawn["blocks"])
    return drawn


def draw_view_response(response: dict[str, Any]) -> dict[str, Any]:
    """A form submission's answer (`response_action` errors / update / clear) as Slack's ack."""
    drawn = dict(response)
    if isinstance(drawn.get("view"), Form):
        drawn["view"] = draw_form(drawn["view"])
    return drawn


def draw_view(view: Form | HomeView) -> Block:
    """A modal or the Home tab, for views.open / update / push / publish."""
    return draw_form(view) if isinstance(view, Form) else draw_home(view)
