"""Appeals of verdicts: filing with evidence, automatic approval, the platform's review."""
