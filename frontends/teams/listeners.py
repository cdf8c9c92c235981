"""What runs for an authenticated Teams activity: the one place that knows every Teams listener.

Each listener is a thin async shim on the process's one event loop: it reads the activity as a
plain mapping, hands the work to `TeamsFront` off the loop (`off_loop`: the database and the
domain are synchronous), and sends or returns what Teams should show, drawn by `drawing.py`.
The slow work an answer leaves (`Answer.then`) goes to the background pool with the Teams outlet,
as Slack's does after its ack. An activity no listener takes is answered 200 with no body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from frontends.teams import addresses, files
from frontends.teams.deps import TeamsDeps, off_loop
from frontends.teams.front import COMMAND, Sender, Shown, TeamsFront, command_words, sender_of
from models.db import session_scope

if TYPE_CHECKING:
    from microsoft_teams.api.activities.conversation import ConversationUpdateActivity
    from microsoft_teams.api.activities.install_update import InstalledActivity
    from microsoft_teams.api.activities.invoke.adaptive_card import AdaptiveCardInvokeActivity
    from microsoft_teams.api.activities.invoke.file_consent import FileConsentInvokeActivity
    from microsoft_teams.api.activities.invoke.tab import (
        TabFetchInvokeActivity,
        TabSubmitInvokeActivity,
    )
    from microsoft_teams.api.activities.invoke.task import (
        TaskFetchInvokeActivity,
        TaskSubmitInvokeActivity,
    )
    from microsoft_teams.api.activities.message import MessageActivity
    from microsoft_teams.api.models.activity import Activity as ActivityBase
    from microsoft_teams.api.models.adaptive_card import (
        AdaptiveCardActionCardResponse,
        AdaptiveCardActionMessageResponse,
    )
    from microsoft_teams.api.models.tab import TabResponse
    from microsoft_teams.api.models.task_module import TaskModuleResponse
    from microsoft_teams.apps import ActivityContext, App

    from conversation.outlet import Outlet
    from frontends.teams.connector import TeamsConnector

logger = logging.getLogger(__name__)

HOME_WORDS = ("home",)
SAVED = "Saved. What happens next is in our chat."
THANKS_FOR_THE_FILE = "Thanks: {0} is in your OneDrive now."
FILE_DECLINED = "No problem: I haven't sent {0}."
FILE_GONE = "That file is no longer on offer. Ask for it again and I'll send a fresh one."


def _dump(activity: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = activity.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def register(
    app: App,
    deps: TeamsDeps,
    front: TeamsFront | None = None,
    connector: TeamsConnector | None = None,
    home: Callable[..., Any] | None = None,
) -> None:
    """The address-keeping middleware always; the features when the front end is given (a web
    process; the transport's own tests run without it)."""

    async def record_sender(ctx: ActivityContext[ActivityBase]) -> None:
        """Keep the sender's id, service URL, personal chat and zone, then let the features run."""
        activity = _dump(ctx.activity)
        try:
            await off_loop(_record, deps, activity)
        except Exception:
            # Where someone is can be learnt from their next activity; what they asked for now
            # is still answered.
            logger.exception("Could not keep where a Teams sender is")
        await ctx.next()

    app.use(record_sender)
    if front is not None and connector is not None and home is not None:
        _register_features(app, deps, front, connector, home)


def _record(deps: TeamsDeps, activity: dict[str, Any]) -> None:
    with session_scope(deps.sessions) as session:
        addresses.record_activity(session, activity, deps.clock.now())


def _register_features(
    app: App,
    deps: TeamsDeps,
    front: TeamsFront,
    connector: TeamsConnector,
    home: Callable[..., Any],
) -> None:
    from microsoft_teams.api.models.adaptive_card import (
        AdaptiveCardActionCardResponse,
        AdaptiveCardActionMessageResponse,
    )
    from microsoft_teams.api.models.attachment import AdaptiveCardAttachment, card_attachment
    from microsoft_teams.api.models.tab import (
        TabResponse,
        TabResponseCard,
        TabResponseCards,
        TabResponsePayload,
    )
    from microsoft_teams.api.models.task_module import (
        CardTaskModuleTaskInfo,
        TaskModuleContinueResponse,
        TaskModuleMessageResponse,
        TaskModuleResponse,
    )

    from frontends.teams.drawing import (
        draw_dialog,
        draw_form_offer,
        draw_home,
        draw_reply,
        draw_words,
        redraw_with_errors,
        reply_card,
    )
    from frontends.teams.outlet import TeamsOutlet

    def outlet_for(sender: Sender) -> TeamsOutlet:
        return TeamsOutlet(
            connector, deps.sessions, deps.clock, sender.tenant_id, sender.aad_object_id
        )

    async def send_later(sender: Sender, shown: Shown, outlet: Outlet) -> None:
        """The slow work after the answer, on the background pool; its reply in the chat.
        Handed over from a worker thread: an inline pool (tests) then runs it there, never on
        the loop its sends need."""
        work = shown.then
        if work is None:
            return

        def run() -> None:
            try:
                late = work(outlet)
            except Exception:
                logger.exception("Slow work after a Teams answer failed")
                from conversation.replies import SOMETHING_WENT_WRONG, ephemeral

                late = ephemeral(SOMETHING_WENT_WRONG)
            if late is None:
                return
            try:
                with session_scope(deps.sessions) as session:
                    drawn = draw_reply(session, sender.tenant_id, late)
                connector.post(sender.service_url, sender.conversation_id, drawn)
            except Exception:
                logger.exception("Could not tell a Teams person how their request went")

        await off_loop(front.deps.background.submit, run)

    def drawn_replies(sender: Sender, shown: Shown) -> list[Any]:
        with session_scope(deps.sessions) as session:
            out = [draw_reply(session, sender.tenant_id, m) for m in shown.messages]
            if shown.form_offer is not None:
                form, words = shown.form_offer
                out.append(draw_form_offer(form, words))
            return out

    # -- typed commands --------------------------------------------------------------------------

    async def on_message(ctx: ActivityContext[MessageActivity]) -> None:
        activity = _dump(ctx.activity)
        sender = sender_of(activity)
        if sender is None or not isinstance(activity.get("text"), str):
            return
        words = await off_loop(command_words, activity, front.resolver(sender.tenant_id))
        outlet = outlet_for(sender)
        if words.lower() in HOME_WORDS:
            view = await off_loop(front.home, sender, home)
            with session_scope(deps.sessions) as session:
                card = await off_loop(draw_home, session, sender.tenant_id, view, tab=False)
            await ctx.send(card)
            return
        shown = await off_loop(front.command, sender, words, outlet)
        for drawn in await off_loop(drawn_replies, sender, shown):
            await ctx.send(drawn)
        await send_later(sender, shown, outlet)

    app.on_message(on_message)

    # -- buttons on messages ---------------------------------------------------------------------

    async def on_card_action(
        ctx: ActivityContext[AdaptiveCardInvokeActivity],
    ) -> AdaptiveCardActionCardResponse | AdaptiveCardActionMessageResponse:
        activity = _dump(ctx.activity)
        sender = sender_of(activity)
        data = _mapping(_mapping(_mapping(activity.get("value")).get("action")).get("data"))
        if sender is None:
            return AdaptiveCardActionMessageResponse(value="I couldn't tell who pressed that.")
        outlet = outlet_for(sender)
        shown = await off_loop(front.press, sender, data, outlet)
        await send_later(sender, shown, outlet)
        for drawn in await off_loop(drawn_replies, sender, shown):
            await ctx.send(drawn)
        if shown.replace_card is not None:
            with session_scope(deps.sessions) as session:
                card = await off_loop(reply_card, session, sender.tenant_id, shown.replace_card)
            return AdaptiveCardActionCardResponse(value=card)
        return AdaptiveCardActionMessageResponse(value="Done.")

    app.on_card_action(on_card_action)

    # -- dialogs ---------------------------------------------------------------------------------

    def dialog_card(title: str, card: Any) -> TaskModuleResponse:
        """A dialog showing `card` (opened, or drawn again in place)."""
        info = CardTaskModuleTaskInfo(
            title=title, card=card_attachment(AdaptiveCardAttachment(content=card))
        )
        return TaskModuleResponse(task=TaskModuleContinueResponse(value=info))

    def dialog_answer(shown: Shown, fallback: str) -> TaskModuleResponse:
        if shown.dialog is not None:
            return dialog_card(*draw_dialog(shown.dialog))
        return TaskModuleResponse(task=TaskModuleMessageResponse(value=shown.notice or fallback))

    async def on_dialog_open(ctx: ActivityContext[TaskFetchInvokeActivity]) -> TaskModuleResponse:
        activity = _dump(ctx.activity)
        sender = sender_of(activity)
        data = _mapping(_mapping(activity.get("value")).get("data"))
        if sender is None:
            return TaskModuleResponse(task=TaskModuleMessageResponse(value="Please try again."))
        outlet = outlet_for(sender)
        if isinstance(data.get(COMMAND), str):
            shown = await off_loop(front.command, sender, str(data[COMMAND]), outlet, True)
        else:
            shown = await off_loop(front.press, sender, data, outlet, in_dialog=True)
        for drawn in await off_loop(drawn_replies, sender, shown):
            await ctx.send(drawn)
        await send_later(sender, shown, outlet)
        return dialog_answer(shown, "Done.")

    app.on_dialog_open(on_dialog_open)

    async def on_dialog_submit(
        ctx: ActivityContext[TaskSubmitInvokeActivity],
    ) -> TaskModuleResponse:
        activity = _dump(ctx.activity)
        sender = sender_of(activity)
        data = _mapping(_mapping(activity.get("value")).get("data"))
        if sender is None:
            return TaskModuleResponse(task=TaskModuleMessageResponse(value="Please try again."))
        outlet = outlet_for(sender)
        shown = await off_loop(front.submit, sender, data, outlet)
        await send_later(sender, shown, outlet)
        if shown.dialog_errors is not None:
            return dialog_card(*redraw_with_errors(data, shown.dialog_errors))
        for drawn in await off_loop(drawn_replies, sender, shown):
            await ctx.send(drawn)
        return dialog_answer(shown, SAVED)

    app.on_dialog_submit(on_dialog_submit)

    # -- Home: the personal app's tab ------------------------------------------------------------

    async def home_tab(sender: Sender) -> TabResponse:
        view = await off_loop(front.home, sender, home)
        with session_scope(deps.sessions) as session:
            card = await off_loop(draw_home, session, sender.tenant_id, view, tab=True)
        payload = TabResponseCards(
            cards=[TabResponseCard(card=card.model_dump(by_alias=True, exclude_none=True))]
        )
        return TabResponse(tab=TabResponsePayload(type="continue", value=payload))

    async def on_tab_open(ctx: ActivityContext[TabFetchInvokeActivity]) -> TabResponse:
        sender = sender_of(_dump(ctx.activity))
        if sender is None:
            raise ValueError("a tab opened by no one Buddy can tell")
        return await home_tab(sender)

    app.on_tab_open(on_tab_open)

    async def on_tab_submit(ctx: ActivityContext[TabSubmitInvokeActivity]) -> TabResponse:
        """A Home button: run as pressed, then Home drawn again (it may have changed)."""
        activity = _dump(ctx.activity)
        sender = sender_of(activity)
        if sender is None:
            raise ValueError("a tab pressed by no one Buddy can tell")
        data = _mapping(_mapping(activity.get("value")).get("data"))
        outlet = outlet_for(sender)
        shown = await off_loop(front.press, sender, data, outlet)
        for drawn in await off_loop(drawn_replies, sender, shown):
            await connector.apost(sender.service_url, _chat_of(deps, sender), drawn)
        await send_later(sender, shown, outlet)
        return await home_tab(sender)

    app.on_tab_submit(on_tab_submit)

    # -- files -----------------------------------------------------------------------------------

    async def on_file_consent(ctx: ActivityContext[FileConsentInvokeActivity]) -> None:
        activity = _dump(ctx.activity)
        sender = sender_of(activity)
        value = _mapping(activity.get("value"))
        key = str(_mapping(value.get("context")).get("key") or "")
        if sender is None:
            return
        accepted = value.get("action") == "accept"
        offer = await off_loop(_take_offer, deps, key, sender)
        if offer is None:
            await ctx.send(FILE_GONE)
            return
        filename, content = offer
        if not accepted:
            await ctx.send(draw_words(FILE_DECLINED.format(filename)))
            return
        upload = _mapping(value.get("uploadInfo"))
        await connector.aupload(str(upload.get("uploadUrl") or ""), content)
        await ctx.send(
            files.file_card(
                str(upload.get("name") or filename),
                str(upload.get("contentUrl") or ""),
                str(upload.get("uniqueId") or ""),
                str(upload.get("fileType") or filename.rsplit(".", 1)[-1]),
            )
        )

    app.on_file_consent(on_file_consent)

    # -- installs and leavers --------------------------------------------------------------------

    async def on_install(ctx: ActivityContext[InstalledActivity]) -> None:
        """Installed for a person: say hello with the short help (Home is the tab beside it)."""
        activity = _dump(ctx.activity)
        sender = sender_of(activity)
        if sender is None or sender.conversation_type != "personal":
            return
        shown = await off_loop(front.command, sender, "help", outlet_for(sender))
        for drawn in await off_loop(drawn_replies, sender, shown):
            await ctx.send(drawn)

    app.on_install_add(on_install)

    async def on_conversation_update(ctx: ActivityContext[ConversationUpdateActivity]) -> None:
        activity = _dump(ctx.activity)
        removed = [_mapping(m) for m in activity.get("membersRemoved") or []]
        tenant = addresses.seen_in(activity)
        gone = [str(m.get("aadObjectId")) for m in removed if m.get("aadObjectId")]
        if tenant is not None and gone:
            outlet = TeamsOutlet(connector, deps.sessions, deps.clock, tenant.tenant_id, "")
            await off_loop(front.leavers, tenant.tenant_id, gone, outlet)

    app.on_conversation_update(on_conversation_update)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _chat_of(deps: TeamsDeps, sender: Sender) -> str:
    with session_scope(deps.sessions) as session:
        found = addresses.person(session, sender.tenant_id, sender.aad_object_id)
        chat = found.personal_conversation_id if found is not None else None
    return chat or sender.conversation_id


def _take_offer(deps: TeamsDeps, key: str, sender: Sender) -> tuple[str, bytes] | None:
    with session_scope(deps.sessions) as session:
        offer = files.take(session, key, sender.tenant_id, sender.aad_object_id)
        if offer is None:
            return None
        found = (offer.filename, offer.content)
        session.delete(offer)
    return found
