def wuhao_plan(profile, entries, out, year, ballots, campaign):
    return []
