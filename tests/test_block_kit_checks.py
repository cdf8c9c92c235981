"""The Block Kit check every test runs on what Buddy sent refuses what Slack would refuse: each of
Slack's rules that slack_sdk's models miss is shown failing on a payload that breaks it."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError

from conversation.blocks import button, buttons, field_of, form, menu, paragraph, text_input
from frontends.slack.blockkit import draw_blocks, draw_form, draw_part
from tests.block_kit import check_message, check_view, slack_rule_problems


def test_a_section_over_slacks_limit_is_caught() -> None:
    over = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackObjectFormationError):
        check_message({"text": "fallback", "blocks": [over]})


def test_too_many_blocks_and_a_long_modal_title_are_caught() -> None:
    with pytest.raises(AssertionError):
        check_message({"text": "fallback", "blocks": [section_block("hi")] * 51})
    with pytest.raises(SlackObjectFormationError):
        check_view(
            {"type": "modal", "title": {"type": "plain_text", "text": "t" * 25}, "blocks": []}
        )


def section_block(text: str, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    return {**block, "accessory": accessory} if accessory else block


def actions_block(elements: list[dict[str, Any]], block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "actions", "elements": elements}
    return {**block, "block_id": block_id} if block_id else block


def input_block(block_id: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
    element = {**element, "action_id": block_id}
    return {"type": "input", "block_id": block_id, "label": plain(label), "element": element}


def raw_button(text: str, action_id: str, value: str = "") -> dict[str, Any]:
    return draw_part(buttons([button(text, action_id, value)]))["elements"][0]  # type: ignore[no-any-return]


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(text: str = "One", value: str = "1") -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def in_actions(element: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": [{"action_id": "a", **element}]}


def in_input(element: dict[str, Any], **block: Any) -> dict[str, Any]:
    return {"type": "input", "label": plain("L"), "element": {"action_id": "a", **element}, **block}


def a_modal(*blocks: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain("T"),
        "submit": plain("Go"),
        "blocks": list(blocks),
        **fields,
    }


def dialog(**fields: Any) -> dict[str, Any]:
    """A confirmation dialog, with `fields` in place of its usual ones."""
    usual = {"title": plain("Sure?"), "text": plain("Really?"), "confirm": plain("Yes")}
    return {**usual, "deny": plain("No"), **fields}


def a_button(text: str = "Go", action_id: str = "go", **fields: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, **fields}


# Each case breaks one rule of Slack's Block Kit reference and nothing else: (the surface, whether
# it is a view, and words of the problem the check must name).
BROKEN: dict[str, tuple[dict[str, Any], bool, str]] = {
    # The App Home's defect: buttons of one block sharing an action id.
    "action ids shared in a block": (
        {"blocks": [actions_block([raw_button("A", "same", "1"), raw_button("B", "same", "2")])]},
        False,
        "action_id must be unique, repeated: same",
    ),
    "block ids shared in a message": (
        {
            "blocks": [
                actions_block([raw_button("A", "a")], "b1"),
                actions_block([raw_button("B", "b")], "b1"),
            ]
        },
        False,
        "block_id must be unique, repeated: b1",
    ),
    "block ids shared in a view": (
        {"type": "home", "blocks": [input_block("x", "X", {"type": "plain_text_input"})] * 2},
        True,
        "block_id must be unique, repeated: x",
    ),
    "more than 50 blocks in a message": (
        {"blocks": [{"type": "divider"}] * 51},
        False,
        "51 items, Slack allows 0 to 50",
    ),
    "more than 100 blocks in a view": (
        {"type": "home", "blocks": [{"type": "divider"}] * 101},
        True,
        "101 items, Slack allows 0 to 100",
    ),
    "an empty section text": (
        {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]},
        False,
        "0 characters, Slack allows 1 to 3000",
    ),
    "a section with neither text nor fields": (
        {"blocks": [{"type": "section"}]},
        False,
        "a section needs text or fields",
    ),
    "eleven section fields": (
        {"blocks": [{"type": "section", "fields": [plain("f")] * 11}]},
        False,
        "11 items, Slack allows 1 to 10",
    ),
    "a section field over 2000": (
        {"blocks": [{"type": "section", "fields": [plain("f" * 2001)]}]},
        False,
        "fields[0].text: 2001 characters, Slack allows 1 to 2000",
    ),
    "a button's text over 75, inside an actions block": (
        {"blocks": [actions_block([a_button("b" * 76)])]},
        False,
        "elements[0].text.text: 76 characters, Slack allows 1 to 75",
    ),
    "a button's text in mrkdwn": (
        {"blocks": [actions_block([{**a_button(), "text": {"type": "mrkdwn", "text": "Go"}}])]},
        False,
        "must be a plain_text text object",
    ),
    "a button's value over 2000": (
        {"blocks": [section_block("s", a_button(value="v" * 2001))]},
        False,
        "accessory.value: 2001 characters, Slack allows 0 to 2000",
    ),
    "a button's url over 3000": (
        {"blocks": [actions_block([a_button(url="https://x/" + "u" * 2991)])]},
        False,
        "url: 3001 characters, Slack allows 0 to 3000",
    ),
    "a button style Slack does not have": (
        {"blocks": [actions_block([a_button(style="warning")])]},
        False,
        "must be primary or danger",
    ),
    "an action id over 255": (
        {"blocks": [actions_block([a_button(action_id="a" * 256)])]},
        False,
        "action_id: 256 characters, Slack allows 0 to 255",
    ),
    "a block id over 255": (
        {"blocks": [{"type": "divider", "block_id": "b" * 256}]},
        False,
        "block_id: 256 characters, Slack allows 0 to 255",
    ),
    "26 elements in an actions block": (
        {"blocks": [actions_block([a_button(action_id=f"a{i}") for i in range(26)])]},
        False,
        "26 items, Slack allows 1 to 25",
    ),
    "11 elements in a context block": (
        {"blocks": [{"type": "context", "elements": [plain("c")] * 11}]},
        False,
        "11 items, Slack allows 1 to 10",
    ),
    "a header over 150": (
        {"blocks": [{"type": "header", "text": plain("h" * 151)}]},
        False,
        "text.text: 151 characters, Slack allows 1 to 150",
    ),
    "a confirm dialog's title over 100": (
        {"blocks": [actions_block([a_button(confirm=dialog(title=plain("t" * 101)))])]},
        False,
        "confirm.title.text: 101 characters, Slack allows 1 to 100",
    ),
    "a confirm dialog's text over 300": (
        {"blocks": [actions_block([a_button(confirm=dialog(text=plain("t" * 301)))])]},
        False,
        "confirm.text.text: 301 characters, Slack allows 1 to 300",
    ),
    "a confirm button over 30": (
        {"blocks": [actions_block([a_button(confirm=dialog(confirm=plain("y" * 31)))])]},
        False,
        "confirm.confirm.text: 31 characters, Slack allows 1 to 30",
    ),
    "101 options in a select": (
        {
            "blocks": [
                in_actions(
                    {
                        "type": "static_select",
                        "options": [option(str(i), str(i)) for i in range(101)],
                    }
                )
            ]
        },
        False,
        "101 items, Slack allows 1 to 100",
    ),
    "an option's text over 75": (
        {"blocks": [in_actions({"type": "static_select", "options": [option("o" * 76)]})]},
        False,
        "options[0].text.text: 76 characters, Slack allows 1 to 75",
    ),
    "an option's value over 150": (
        {"blocks": [in_actions({"type": "static_select", "options": [option(value="v" * 151)]})]},
        False,
        "options[0].value: 151 characters, Slack allows 1 to 150",
    ),
    "an option with no value": (
        {"blocks": [in_actions({"type": "static_select", "options": [{"text": plain("A")}]})]},
        False,
        "an option needs a value",
    ),
    "two options with one value": (
        {"blocks": [in_actions({"type": "static_select", "options": [option("A"), option("B")]})]},
        False,
        "option value must be unique, repeated: 1",
    ),
    "a select with options and option groups": (
        {
            "blocks": [
                in_actions(
                    {
                        "type": "static_select",
                        "options": [option()],
                        "option_groups": [{"label": plain("G"), "options": [option("B", "2")]}],
                    }
                )
            ]
        },
        False,
        "needs options or option_groups, not both",
    ),
    "an option group's label over 75": (
        {
            "blocks": [
                in_actions(
                    {
                        "type": "static_select",
                        "option_groups": [{"label": plain("g" * 76), "options": [option()]}],
                    }
                )
            ]
        },
        False,
        "label.text: 76 characters, Slack allows 1 to 75",
    ),
    "an initial option that is not an option": (
        {
            "blocks": [
                in_actions(
                    {"type": "static_select", "options": [option()], "initial_option": option("X")}
                )
            ]
        },
        False,
        "is not one of its options",
    ),
    "a placeholder over 150": (
        {"blocks": [in_actions({"type": "datepicker", "placeholder": plain("p" * 151)})]},
        False,
        "placeholder.text: 151 characters, Slack allows 1 to 150",
    ),
    "one overflow option": (
        {"blocks": [in_actions({"type": "overflow", "options": [option()]})]},
        False,
        "1 items, Slack allows 2 to 5",
    ),
    "six overflow options": (
        {
            "blocks": [
                in_actions(
                    {"type": "overflow", "options": [option(str(i), str(i)) for i in range(6)]}
                )
            ]
        },
        False,
        "6 items, Slack allows 2 to 5",
    ),
    "a url on a select's option": (
        {
            "blocks": [
                in_actions({"type": "static_select", "options": [option() | {"url": "https://x"}]})
            ]
        },
        False,
        "only overflow menus' options may have a url",
    ),
    "eleven checkboxes": (
        {
            "blocks": [
                in_actions(
                    {"type": "checkboxes", "options": [option(str(i), str(i)) for i in range(11)]}
                )
            ]
        },
        False,
        "11 items, Slack allows 1 to 10",
    ),
    "an input label over 2000": (
        {
            "type": "modal",
            "title": plain("T"),
            "submit": plain("Go"),
            "blocks": [{**in_input({"type": "plain_text_input"}), "label": plain("l" * 2001)}],
        },
        True,
        "label.text: 2001 characters, Slack allows 1 to 2000",
    ),
    "an input hint over 2000": (
        a_modal(in_input({"type": "plain_text_input"}, hint=plain("h" * 2001))),
        True,
        "hint.text: 2001 characters, Slack allows 1 to 2000",
    ),
    "a text input's max_length over 3000": (
        a_modal(in_input({"type": "plain_text_input", "max_length": 3001})),
        True,
        "max_length: 3001, Slack allows 1 to 3000",
    ),
    "a text input's min_length over 3000": (
        a_modal(in_input({"type": "plain_text_input", "min_length": 3001})),
        True,
        "min_length: 3001, Slack allows 0 to 3000",
    ),
    "a file input taking eleven files": (
        a_modal(in_input({"type": "file_input", "max_files": 11})),
        True,
        "max_files: 11, Slack allows 1 to 10",
    ),
    "a file input dispatching actions": (
        a_modal(in_input({"type": "file_input"}, dispatch_action=True)),
        True,
        "dispatch_action cannot be used with file_input",
    ),
    "a date picker's date not YYYY-MM-DD": (
        a_modal(in_input({"type": "datepicker", "initial_date": "30/11/2026"})),
        True,
        "must be YYYY-MM-DD",
    ),
    "a time picker's time not HH:mm": (
        a_modal(in_input({"type": "timepicker", "initial_time": "4pm"})),
        True,
        "must be HH:mm",
    ),
    "two elements focused on load": (
        a_modal(
            in_input({"type": "plain_text_input", "focus_on_load": True}, block_id="one"),
            in_input({"type": "plain_text_input", "focus_on_load": True}, block_id="two"),
        ),
        True,
        "2 elements set focus_on_load, Slack allows one",
    ),
    "a modal title over 24": (
        a_modal(title=plain("t" * 25)),
        True,
        "view.title.text: 25 characters",
    ),
    "a modal's submit over 24": (
        a_modal(submit=plain("s" * 25)),
        True,
        "view.submit.text: 25 characters",
    ),
    "a modal's close over 24": (
        a_modal(close=plain("c" * 25)),
        True,
        "view.close.text: 25 characters",
    ),
    "a modal with inputs and no submit": (
        {"type": "modal", "title": plain("T"), "blocks": [in_input({"type": "plain_text_input"})]},
        True,
        "submit is required when an input block is within the blocks",
    ),
    "private metadata over 3000": (
        a_modal(private_metadata="m" * 3001),
        True,
        "private_metadata: 3001 characters, Slack allows 0 to 3000",
    ),
    "a callback id over 255": (
        {"type": "home", "blocks": [], "callback_id": "c" * 256},
        True,
        "callback_id: 256 characters, Slack allows 0 to 255",
    ),
}


@pytest.mark.parametrize("rule", list(BROKEN))
def test_each_of_slacks_rules_refuses_a_payload_that_breaks_it(rule: str) -> None:
    surface, is_view, expected = BROKEN[rule]
    problems = slack_rule_problems(surface, view=is_view)
    assert any(expected in p for p in problems), problems
    with pytest.raises((AssertionError, SlackObjectFormationError)):
        if is_view:
            check_view(surface)
        else:
            check_message({"text": "fallback", **surface})


def test_what_slack_allows_passes() -> None:
    """The same action id in two blocks, ids unique within each, limits met exactly, as Buddy's
    parts are drawn."""
    home = {
        "type": "home",
        "blocks": [
            *draw_blocks(
                [
                    paragraph("One", button("Nudge", "nudge", "UALICE")),
                    paragraph("Two", button("Nudge", "nudge", "UBOB")),
                    buttons([button("A" * 75, "a", "v" * 2000), button("B", "b")]),
                ]
            ),
            {"type": "header", "text": plain("h" * 150)},
        ],
    }
    check_view(home)
    drawn = draw_form(
        form(
            "cb",
            "t" * 24,
            [
                field_of("day", "Day", menu("day", [("Mon", "0"), ("Tue", "1")], "1")),
                field_of("words", "Words", text_input(max_length=3000)),
            ],
            submit="s" * 24,
            payload="m" * 3000,
        )
    )
    check_view(drawn)
    check_message({"text": "fallback", "blocks": [{"type": "divider"}] * 50})
