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
STAR_SCORE_ROW = Form("星级考评评分表中的一行", (Way("star_scores"),))
APPRAISAL_ROW = Form("民主评议党员测评汇总表中的一行", (Way("member_appraisal"),))
RECOMMENDATION_ROW = Form("优秀党员推荐表中的一行", (Way("recommendation"),))
ELECTION_VOTES_ROW = Form("优秀党员评选票数汇总表中的一行", (Way("election_votes"),))
# a village's ballots in the 调查表 or its 汇总表: either counts as received
TRUST_SURVEY = Form(
    "公信度调查表或公信度调查汇总表",
    (Way("trust", lambda t: t.from_ballots), Way("trust", lambda t: not t.from_ballots)),
)
