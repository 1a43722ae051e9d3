"""Demo data: a lending service's status page. Loads once; a page that has components is left alone.

Everything is written through the service functions, so the demo has a real status-change log
(and uptime history) rather than rows typed into tables. Every text is written per language
(the `_zh_hans` and `_en` columns, or a {"zh-hans": …, "en": …} Text for the services): a reader
gets one language, never both in one field.

The page it makes: the four steps of a loan, repayment, and the channels borrowers use; three
functions (borrowing, repayment, raising the limit) defined by those components; the ways to
get things done meanwhile (WeChat mini-program, hotline, website); one past incident, one
incident still open (card repayments failing at a payment partner), one maintenance ahead.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from statuspage.status import pageversion, services, uptime
from statuspage.status.models import (
    AlternativeChannel,
    Cause,
    Component,
    ComponentGroup,
    ComponentStatus,
    Function,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentTemplate,
    Page,
    Reassurance,
    SelfHelpTopic,
)
from statuspage.status.translation import set_translations

# (zh-hans name, en name, zh-hans description, en description)
BORROWING = [
    ("身份验证", "Identity verification", "人脸识别与实名认证", "Face match and real-name checks"),
    ("信用评估", "Credit assessment", "授信审批与风险评估", "Credit decision and risk checks"),
    ("额度分配", "Limit allocation", "借款额度的计算与发放", "Working out and granting your limit"),
    ("放款", "Disbursement", "款项打入您的银行卡", "Paying the loan into your bank card"),
]
REPAYMENT = (
    "还款服务",
    "Repayment service",
    "按期自动扣款与主动还款",
    "Scheduled debits and repayments you make",
)
CHANNELS = [
    ("App", "App", "iOS 与安卓客户端", "iOS and Android app"),
    ("小程序", "Mini-program", "微信小程序", "WeChat mini-program"),
    ("网页", "Web", "网页版借款入口", "Borrowing on the website"),
]
# The hotline is a 400 number, as Chinese lenders' are; it must parse for region CN.
HOTLINE = "400-820-8888"


def _component(
    group: ComponentGroup | None, position: int, names: tuple[str, str, str, str]
) -> Component:
    zh, en, zh_desc, en_desc = names
    component = Component(
        group=group,
        position=position,
        name_zh_hans=zh,
        name_en=en,
        description_zh_hans=zh_desc,
        description_en=en_desc,
    )
    return services.save_component(component)


def _function(position: int, zh: str, en: str, components: list[Component]) -> Function:
    function = Function(position=position, name_zh_hans=zh, name_en=en)
    function.full_clean()
    function.save()
    function.components.set(components)
    return function


def _channel(
    position: int, zh: str, en: str, *, url: str = "", phone: str = ""
) -> AlternativeChannel:
    channel = AlternativeChannel(
        position=position, label_zh_hans=zh, label_en=en, url=url, phone=phone
    )
    channel.full_clean()
    channel.save()
    return channel


def _round_up(moment: datetime, minutes: int) -> datetime:
    """The next whole `minutes` mark at or after `moment`: promises name round times."""
    step = minutes * 60
    return datetime.fromtimestamp(math.ceil(moment.timestamp() / step) * step, tz=moment.tzinfo)


class Command(BaseCommand):
    help = "Load the lending-service demo page (once)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        if Component.objects.exists():
            self.stdout.write("Demo data: the page already has components; nothing loaded.")
            return
        now = timezone.now()
        page = Page.get()
        set_translations(page, "name", {"zh-hans": "借款服务状态", "en": "Lending status"})
        page.time_zone = "Asia/Shanghai"
        services.save_page(page)

        borrowing = services.save_group(
            ComponentGroup(
                name_zh_hans="借款窗口",
                name_en="Borrowing window",
                description_zh_hans="从申请到放款的每一步",
                description_en="Every step from application to payout",
                position=0,
            )
        )
        steps = [_component(borrowing, n, names) for n, names in enumerate(BORROWING)]
        repayment = _component(None, 1, REPAYMENT)  # on its own, between the two groups
        channels = services.save_group(
            ComponentGroup(
                name_zh_hans="渠道",
                name_en="Channels",
                description_zh_hans="您借款和还款时使用的入口",
                description_en="Where you borrow and repay",
                position=2,
            )
        )
        for n, names in enumerate(CHANNELS):
            _component(channels, n, names)
        for component in Component.objects.all():
            Component.objects.filter(pk=component.pk).update(
                created_at=now - timedelta(days=120), start_date=(now - timedelta(days=120)).date()
            )
        identity, credit, limit, disbursement = steps

        _function(0, "借款", "Borrowing", [identity, credit, limit, disbursement])
        _function(1, "还款", "Repayment", [repayment])
        _function(2, "提额", "Limit increase", [identity, credit, limit])
        mini_program = _channel(
            0, "微信小程序", "WeChat mini-program", url="https://lend.example.com/mini-program"
        )
        hotline = _channel(1, "客服热线", "Customer service hotline", phone=HOTLINE)
        _channel(2, "网页版", "Website", url="https://lend.example.com/")
        pageversion.bump()

        self._past_incident(disbursement, now - timedelta(days=3, hours=5))
        self._open_incident(repayment, [mini_program, hotline], now)
        self._upcoming_maintenance([credit, limit], page, now)
        template = IncidentTemplate(
            name="额度分配超时",
            title_zh_hans="额度分配缓慢",
            title_en="Limit allocation is slow",
            body_zh_hans="部分用户的额度分配需要更长时间，我们正在处理。已有额度的用户可以照常借款。",
            body_en="Some limit allocations are taking longer than usual, and we are on it. "
            "If you already have a limit, you can borrow as usual.",
            cause_note_zh_hans="额度计算服务负载过高，处理变慢。",
            cause_note_en="The service that works out limits is overloaded and running slowly.",
            reassurances=[Reassurance.APPLICATIONS_KEPT],
            update_status=IncidentStatus.INVESTIGATING,
            cause=Cause.SYSTEM,
            component_status=ComponentStatus.DEGRADED_PERFORMANCE,
        )
        template.full_clean(exclude=["components", "channels"])
        template.save()
        template.components.add(limit)
        self._self_help()
        uptime.refresh_all()  # 120 days of daily uptime, with the incidents' dips in it
        self.stdout.write(
            "Demo data loaded: a lending service with one past incident, one open incident "
            "and one maintenance."
        )

    def _past_incident(self, disbursement: Component, started: datetime) -> None:
        incident = services.open_incident(
            Incident(
                kind=IncidentKind.INCIDENT,
                name_zh_hans="放款延迟",
                name_en="Disbursement delays",
                cause=Cause.THIRD_PARTY,
                cause_note_zh_hans="合作银行的清算通道拥堵，导致放款到账变慢。",
                cause_note_en="Our partner bank's clearing network was congested, "
                "so payouts arrived late.",
                reassurances=[Reassurance.FUNDS_SAFE, Reassurance.APPLICATIONS_KEPT],
                # Begun in the past: the recovery time is checked against this, not now.
                started_at=started,
                expected_recovery_at=started + timedelta(hours=2),
            ),
            body={
                "zh-hans": "部分用户放款到账延迟，我们正在调查。借款申请可以照常提交，"
                "款项会在恢复后自动到账。",
                "en": "Some disbursements are arriving late. We are investigating. Keep "
                "applying as usual: approved loans are paid out automatically once we recover.",
            },
            component_statuses={disbursement: ComponentStatus.PARTIAL_OUTAGE},
            notify=False,
            at=started,
        )
        steps = [
            (IncidentStatus.IDENTIFIED, 25, None, {
                "zh-hans": "原因已查明：合作银行的清算通道拥堵。",
                "en": "Cause found: our partner bank's clearing network is congested.",
            }),
            (IncidentStatus.MONITORING, 80, ComponentStatus.DEGRADED_PERFORMANCE, {
                "zh-hans": "银行已扩容，积压的放款正在陆续到账。",
                "en": "The bank added capacity; the backlog is being paid out.",
            }),
            (IncidentStatus.RESOLVED, 130, ComponentStatus.OPERATIONAL, {
                "zh-hans": "所有延迟的放款均已到账，服务恢复正常。",
                "en": "All delayed loans have been paid out. Service is back to normal.",
            }),
        ]  # fmt: skip
        for status, minutes, component_status, body in steps:
            services.post_update(
                incident,
                status=status,
                body=body,
                component_statuses={disbursement: component_status} if component_status else {},
                notify=False,
                at=started + timedelta(minutes=minutes),
            )

    def _open_incident(
        self, repayment: Component, channels: list[AlternativeChannel], now: datetime
    ) -> None:
        """Card repayments failing at a payment partner: repayment is unavailable, borrowing
        works; repaying with WeChat Pay in the mini-program, or by phone, still works."""
        started = now - timedelta(minutes=35)
        incident = services.open_incident(
            Incident(
                kind=IncidentKind.INCIDENT,
                name_zh_hans="部分银行卡还款失败",
                name_en="Some card repayments are failing",
                cause=Cause.THIRD_PARTY,
                cause_note_zh_hans="合作支付机构的银行卡扣款通道出现故障，与您的账户和银行卡无关。",
                cause_note_en="Our payment partner's card-debit service is failing. It has "
                "nothing to do with your account or your card.",
                reassurances=[Reassurance.NO_LATE_FEE, Reassurance.FUNDS_SAFE],
                expected_recovery_at=_round_up(now + timedelta(minutes=90), 30),
            ),
            body={
                "zh-hans": "部分用户使用银行卡还款时提示“支付失败”，我们正在排查原因。",
                "en": "Some card repayments fail with “Payment failed”. We are looking into it.",
            },
            component_statuses={repayment: ComponentStatus.PARTIAL_OUTAGE},
            channels=channels,
            notify=False,
            at=started,
        )
        services.post_update(
            incident,
            status=IncidentStatus.IDENTIFIED,
            body={
                "zh-hans": "原因已查明：合作支付机构的银行卡扣款通道出现故障，我们正在与对方"
                "一起处理。在微信小程序中使用微信支付还款不受影响。",
                "en": "Cause found: our payment partner's card-debit service is failing, and "
                "we are working on it with them. Repaying with WeChat Pay in the mini-program "
                "is not affected.",
            },
            next_update_by=_round_up(now + timedelta(minutes=30), 5),
            notify=False,
            at=now - timedelta(minutes=10),
        )

    def _upcoming_maintenance(self, components: list[Component], page: Page, now: datetime) -> None:
        local = timezone.localtime(now, page.zone)
        start = (local + timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)
        services.open_incident(
            Incident(
                kind=IncidentKind.MAINTENANCE,
                name_zh_hans="信用系统升级",
                name_en="Credit system upgrade",
                cause=Cause.MAINTENANCE,
                cause_note_zh_hans="升级信用评估系统，让审批更快。",
                cause_note_en="We are upgrading the credit system to make decisions faster.",
                reassurances=[Reassurance.APPLICATIONS_KEPT],
                scheduled_for=start,
                scheduled_until=start + timedelta(hours=2),
                scheduled_remind_prior=True,
                scheduled_auto_in_progress=True,
                scheduled_auto_completed=True,
            ),
            body={
                "zh-hans": "我们将升级信用评估系统，期间无法提交新的借款申请。已获批的借款照常"
                "放款；新的申请请在维护结束后提交。",
                "en": "We are upgrading the credit system; new applications are paused during "
                "the window. Approved loans are paid out as usual; please send new "
                "applications after the window.",
            },
            affected=components,
            notify=False,
        )

    def _self_help(self) -> None:
        """The account-level reasons a borrower is stuck while every component is green."""
        for position, (title_zh, title_en, body_zh, body_en) in enumerate(SELF_HELP):
            services.save_self_help_topic(
                SelfHelpTopic(
                    position=position,
                    title_zh_hans=title_zh,
                    title_en=title_en,
                    body_zh_hans=body_zh,
                    body_en=body_en,
                )
            )


SELF_HELP = [
    (
        "身份验证还没完成",
        "My identity verification is not finished",
        "打开 App 的「我的 → 身份验证」，按提示完成人脸识别。证件照片要清晰、在有效期内。审核通常在 10 分钟内完成，完成后即可借款。",
        "Open **Me → Identity verification** in the app and finish the face check. Your ID photo must be sharp and not expired. Reviews usually take under 10 minutes; you can borrow as soon as it is done.",
    ),
    (
        "信用正在重新评估",
        "My credit is being re-evaluated",
        "我们会定期、或在您的资料变更后重新评估信用，期间暂时不能借款。评估通常需要 1–3 个工作日，结果会短信通知您。期间请不要重复提交申请，重复申请不会加快评估。",
        "We re-evaluate credit from time to time and after your details change; borrowing is paused meanwhile. It usually takes 1–3 working days and we text you the result. Please do not apply again meanwhile: it does not speed things up.",
    ),
    (
        "借款额度被冻结",
        "My limit is frozen",
        "额度可能因逾期还款、资料不一致或账户安全原因被冻结。还清逾期款项后，额度通常在 24 小时内自动恢复；其他情况请在 App「客服」中联系我们，并准备好身份证件。",
        "A limit can be frozen after a late repayment, inconsistent details or for your account's security. Once an overdue amount is repaid it usually comes back within 24 hours; otherwise contact us under **Help** in the app with your ID at hand.",
    ),
]
