"""The standard forms of forms.md, one module each: its spec (how to recognise it), its validator
(table → typed records, problems at the cell) and, where a form has them, its record type.

The library also writes them: `blank` plans and writes the blank forms of `fenji forms` (the
workbooks from `writer`), `samplebooks` the filled-in sample workbooks. Forms are shared: dingji and shengji both read 附件3, the 汇总表 and 附件4; every system reads the
决定调整表. A system names the kinds it reads (`System.forms`); a recognised form that a system
does not read is reported (`form-not-used`) and skipped.
"""

from __future__ import annotations

from fenji.core.validate import Form
from fenji.forms import (
    ballots,
    cadre_roster,
    decisions,
    election_votes,
    member_appraisal,
    member_roster,
    panel,
    public_votes,
    recommendation,
    roster,
    score_sheet,
    self_eval,
    star_roster,
    star_score_sheet,
    summary,
    ten_stars,
    trust_ballots,
    trust_summary,
)

# in the order titles are tried: a sheet is the first form whose title keys it carries
FORMS: tuple[Form, ...] = (
    summary.FORM,
    ballots.FORM,
    self_eval.FORM,
    score_sheet.FORM,
    decisions.FORM,
    star_roster.FORM,
    public_votes.FORM,
    panel.FORM,
    ten_stars.FORM,
    roster.FORM,
    member_roster.FORM,
    member_appraisal.FORM,
    recommendation.FORM,
    election_votes.FORM,
    trust_summary.FORM,
    trust_ballots.FORM,
    cadre_roster.FORM,
    star_score_sheet.FORM,
)
FORM_BY_KIND = {form.kind: form for form in FORMS}
SPECS = tuple(form.spec for form in FORMS)
# the forms every system has read so far (a system adds its own): the 名册, 附件2, 附件3, the 汇总表,
# 附件4 and the 决定调整表
COMMON_FORMS = ("roster", "self_eval", "ballots", "summary", "score_sheet", "decisions")
