"""Demo data: a lending service's status page. Loads once; a page that has components is left alone.

Everything is written through the service functions, so the demo has a real status-change log
(and uptime history) rather than rows typed into tables.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from statuspage.status import services, uptime
from statuspage.status.models import (
    Cause,
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentTemplate,
    Page,
    SelfHelpTopic,
)
from statuspage.status.translation import set_translations

BORROWING = [
    ("身份验证", "Identity verification", "人脸识别与实名认证", "Face match and real-name checks"),
    ("信用评估", "Credit assessment", "授信审批与风险评估", "Credit decision and risk checks"),
    ("额度分配", "Limit allocation", "借款额度的计算与发放", "Working out and granting your limit"),
    ("放款", "Disbursement", "款项打入你的银行卡", "Paying the loan into your bank card"),
]
CHANNELS = [
    ("App", "App", "iOS 与安卓客户端", "iOS and Android app"),
    ("小程序", "Mini-program", "微信小程序", "WeChat mini-program"),
    ("网页", "Web", "网页版借款入口", "Borrowing on the website"),
]


def _component(group: ComponentGroup, position: int, names: tuple[str, str, str, str]) -> Component:
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
        channels = services.save_group(
            ComponentGroup(name_zh_hans="渠道", name_en="Channels", position=1)
        )
        steps = [_component(borrowing, n, names) for n, names in enumerate(BORROWING)]
        for n, names in enumerate(CHANNELS):
            _component(channels, n, names)
        for component in Component.objects.all():
            Component.objects.filter(pk=component.pk).update(
                created_at=now - timedelta(days=120), start_date=(now - timedelta(days=120)).date()
            )
        _identity, credit, limit, disbursement = steps

        self._past_incident(disbursement, now - timedelta(days=3, hours=5))
        self._upcoming_maintenance([credit, limit], page, now)
        IncidentTemplate.objects.create(
            name="额度分配超时 / Limit allocation timeouts",
            title="额度分配缓慢 / Limit allocation is slow",
            body="部分用户的额度分配需要更长时间，我们正在处理。\n\n"
            "Some limit allocations are taking longer than usual. We are on it.",
            update_status=IncidentStatus.INVESTIGATING,
            cause=Cause.SYSTEM,
            alternative_channel="已有额度的用户可以照常借款。\nIf you already have a limit you can borrow as usual.",
            component_status=ComponentStatus.DEGRADED_PERFORMANCE,
        ).components.add(limit)
        self._self_help()
        uptime.refresh_all()  # 120 days of daily uptime, with the past incident's dip in it
        self.stdout.write(
            "Demo data loaded: a lending service with one past incident and one maintenance."
        )

    def _past_incident(self, disbursement: Component, started: datetime) -> None:
        incident = services.open_incident(
            Incident(
                kind=IncidentKind.INCIDENT,
                name="放款延迟 / Disbursement delays",
                cause=Cause.THIRD_PARTY,
                alternative_channel="借款申请照常提交，款项会在恢复后自动到账。\n"
                "Keep applying as usual: approved loans are paid out automatically once we recover.",
                expected_recovery_at=started + timedelta(hours=2),
            ),
            body="部分用户放款到账延迟，我们正在调查。\n\n"
            "Some disbursements are arriving late. We are investigating.",
            component_statuses={disbursement: ComponentStatus.PARTIAL_OUTAGE},
            notify=False,
            at=started,
        )
        steps = [
            (IncidentStatus.IDENTIFIED, 25, None,
             "原因已查明：合作银行的清算通道拥堵。\n\nCause found: our partner bank's clearing network is congested."),
            (IncidentStatus.MONITORING, 80, ComponentStatus.DEGRADED_PERFORMANCE,
             "银行已扩容，积压的放款正在陆续到账。\n\nThe bank added capacity; the backlog is being paid out."),
            (IncidentStatus.RESOLVED, 130, ComponentStatus.OPERATIONAL,
             "所有延迟的放款均已到账，服务恢复正常。\n\nAll delayed loans have been paid out. Service is back to normal."),
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

    def _upcoming_maintenance(self, components: list[Component], page: Page, now: datetime) -> None:
        local = timezone.localtime(now, page.zone)
        start = (local + timedelta(days=3)).replace(hour=2, minute=0, second=0, microsecond=0)
        services.open_incident(
            Incident(
                kind=IncidentKind.MAINTENANCE,
                name="信用系统升级 / Credit system upgrade",
                cause=Cause.MAINTENANCE,
                scheduled_for=start,
                scheduled_until=start + timedelta(hours=2),
                scheduled_remind_prior=True,
                scheduled_auto_in_progress=True,
                scheduled_auto_completed=True,
                alternative_channel="维护期间已获批的借款照常放款；新的申请请在维护结束后提交。\n"
                "Approved loans are paid out as usual; please send new applications after the window.",
            ),
            body="我们将升级信用评估系统，期间无法提交新的借款申请。\n\n"
            "We are upgrading the credit system; new applications are paused during the window.",
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
        "我们会定期、或在你的资料变更后重新评估信用，期间暂时不能借款。评估通常需要 1–3 个工作日，结果会短信通知你。期间请不要重复提交申请，重复申请不会加快评估。",
        "We re-evaluate credit from time to time and after your details change; borrowing is paused meanwhile. It usually takes 1–3 working days and we text you the result. Please do not apply again meanwhile: it does not speed things up.",
    ),
    (
        "借款额度被冻结",
        "My limit is frozen",
        "额度可能因逾期还款、资料不一致或账户安全原因被冻结。还清逾期款项后，额度通常在 24 小时内自动恢复；其他情况请在 App「客服」中联系我们，并准备好身份证件。",
        "A limit can be frozen after a late repayment, inconsistent details or for your account's security. Once an overdue amount is repaid it usually comes back within 24 hours; otherwise contact us under **Help** in the app with your ID at hand.",
    ),
]
