"""The forms a subject can owe, in the clerk's words, and the record kinds that bring them back
(fenji.core.returns): a system's `needed_returns` picks the ones its subjects need."""

from __future__ import annotations

from fenji.core.returns import Form, Way

SELF_EVAL = Form("自评表（附件2）", (Way("self_eval"),))
# ballots in 附件3 or the subject's row of the town's 汇总表: either counts as received
SURVEY = Form(
    "满意度测评表（附件3）或测评汇总表中的一行",
    (Way("tallies", lambda t: t.from_ballots), Way("tallies", lambda t: not t.from_ballots)),
)
SCORE_ROW = Form("评分定级表（附件4）中的一行", (Way("scores"),))
TEN_STAR_ROW = Form("十星评定表中的一行", (Way("ten_stars"),))
PUBLIC_VOTES_ROW = Form("民主评议计分表中的一行", (Way("public_votes"),))
PANEL_ROW = Form("领导小组评议表中的一行", (Way("panel"),))
