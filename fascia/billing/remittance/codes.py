"""Code lists an 835 remittance refers to: adjustment groups, CARC, RARC and claim status.

Sources: the X12 external code lists "Claim Adjustment Reason Codes" (CARC, maintained by X12)
and "Remittance Advice Remark Codes" (RARC, maintained by CMS), both published at x12.org/codes;
the group codes, the CLP02 claim status codes and the PLB03-1 provider adjustment reasons come from
the 835 implementation guide (005010X221A1). The wording below is our own short paraphrase for staff
reading a remittance, not the official text. The lists change several times a year and hold hundreds of codes, so
only the common ones are here and unknown codes fall back to the bare code.
"""

ADJUSTMENT_GROUPS = {
    "CO": "Contractual obligation",
    "PR": "Patient responsibility",
    "OA": "Other adjustment",
    "PI": "Payer-initiated reduction",
    "CR": "Correction or reversal",  # 4010 only; 5010 remittances reverse with CLP02 = 22 instead
}

CARC = {
    "1": "deductible",
    "2": "coinsurance",
    "3": "copay",
    "4": "procedure code does not fit the modifier, or a required modifier is missing",
    "5": "procedure code or bill type does not fit the place of service",
    "16": "claim or line is missing information or has a billing error (see the remark codes)",
    "18": "exact duplicate of a claim or service already received",
    "22": "another payer may cover this under coordination of benefits",
    "23": "effect of what earlier payers paid or adjusted",
    "27": "service was after coverage ended",
    "29": "filed after the payer's time limit",
    "45": "charge is above the fee schedule, maximum allowable or contracted fee",
    "50": "payer does not consider the service medically necessary",
    "94": "processed for more than the charge",
    "96": "charge not covered (see the remark codes)",
    "97": "paid as part of another service already processed",
    "109": "not covered by this payer; send the claim to the right payer",
    "119": "benefit maximum for the period or occurrence reached",
    "151": "payer finds the records do not support this many services or this frequency",
    "167": "diagnosis not covered",
    "197": "precertification, authorization or notification missing",
    "204": "service, equipment or drug not covered by the patient's current plan",
    "236": "procedure or modifier not allowed with another one billed for the same day (NCCI or state rules)",
    "242": "service not given by a network or primary care provider",
    "253": "sequestration (reduction of federal payment)",
    # No longer in the active list, but older remittances (and our sample files) still carry them.
    "42": "charge is above the fee schedule or maximum allowable (retired code)",
    "A2": "contractual adjustment (retired code)",
    "A7": "presumptive payment adjustment (retired code)",
}

RARC = {
    "M1": "X-ray not taken within the past 12 months or near enough to the start of treatment",
    "M86": "service denied because payment already made for the same or a similar procedure in the period",
    "MA01": "alert: if you disagree with this decision you may appeal it; see the instructions",
    "MA04": "secondary payment cannot be considered without the primary payer's identity or payment information",
    "MA07": "the claim was also forwarded to the patient's supplemental insurer",
    "MA18": "the claim was also forwarded to the patient's supplemental insurer (crossover)",
    "N1": "alert: you may appeal this decision in writing within the required time limits",
    "N4": "missing or incomplete prior insurance carrier's remittance (EOB)",
    "N19": "procedure code incidental to the primary procedure",
    "N30": "patient ineligible for this service",
    "N56": "procedure code billed is not correct or valid for the services billed or the date of service",
    "N115": "decision based on a local coverage determination (LCD)",
    "N211": "alert: you may not appeal this decision",
    "N290": "missing or invalid rendering provider identifier",
    "N381": "alert: consult the contract for terms of this payment or denial",
    "N386": "decision based on a national coverage determination (NCD)",
    "N432": "adjustment based on a recovery audit",
    "N640": "exceeds the number of visits or units the plan allows",
    "N657": "should be billed with the appropriate code for these services",
    "M15": "separately billed services or tests were bundled into one procedure; no separate payment",
    "M80": "not covered when done in the same session or on the same date as a service already processed",
    "MA02": "alert: this decision can be appealed in writing within the stated time limit",
    "MA130": "claim is incomplete or invalid and cannot be processed or appealed; send a new, corrected claim",
    "N14": "payment follows a contract, fee schedule or maximum allowable amount",
    "N20": "not payable together with another service on the same date",
    "N130": "see the plan's benefit documents for restrictions on this service",
    "N362": "days or units of service are above the payer's maximum",
    "N522": "duplicate of a claim processed, or about to be processed, as a crossover claim",
}

# CLP02, the payer's decision on the claim (the 835 uses this subset of the claim status codes).
CLAIM_STATUS = {
    "1": "Processed as primary",
    "2": "Processed as secondary",
    "3": "Processed as tertiary",
    "4": "Denied",
    "19": "Processed as primary, forwarded to another payer",
    "20": "Processed as secondary, forwarded to another payer",
    "21": "Processed as tertiary, forwarded to another payer",
    "22": "Reversal of an earlier payment",
    "23": "Not our claim, forwarded to another payer",
    "25": "Pricing only (predetermination), no payment",
}


# PLB03-1, why the payer changed the payment outside any claim (005010X221A1's list, the common ones).
PROVIDER_ADJUSTMENT_REASONS = {
    "50": "late charge",
    "51": "interest penalty charge",
    "72": "authorized return (refund of an earlier payment)",
    "90": "early payment allowance",
    "AM": "applied to the borrower's account",
    "AP": "acceleration of benefits",
    "B2": "rebate",
    "B3": "recovery allowance",
    "BD": "bad debt adjustment",
    "BN": "bonus",
    "C5": "temporary allowance",
    "CR": "capitation interest",
    "CS": "adjustment (see the reference)",
    "CT": "capitation payment",
    "CV": "capital pass-through",
    "CW": "certified registered nurse anesthetist pass-through",
    "DM": "direct medical education pass-through",
    "E3": "withholding",
    "FB": "forward balance (carried to or from another remittance)",
    "FC": "fund allocation",
    "GO": "graduate medical education pass-through",
    "HM": "hemophilia clotting factor supplement",
    "IP": "incentive premium payment",
    "IR": "tax withholding (Internal Revenue Service)",
    "IS": "interim settlement",
    "J1": "nonreimbursable",
    "L3": "penalty",
    "L6": "interest owed to the provider",
    "LE": "levy",
    "LS": "lump sum",
    "OA": "organ acquisition pass-through",
    "OB": "offset for affiliated providers",
    "PI": "periodic interim payment",
    "PL": "payment final",
    "RA": "retroactive adjustment",
    "RE": "return on equity",
    "SL": "student loan repayment",
    "TL": "third-party liability",
    "WO": "overpayment recovery",
    "WU": "unspecified recovery",
}


def describe_adjustment(group: str, reason: str) -> str:
    """A readable adjustment, e.g. "Patient responsibility: deductible"."""
    return f"{ADJUSTMENT_GROUPS.get(group, f'Group {group}')}: {CARC.get(reason, f'reason code {reason}')}"


def describe_remark(code: str) -> str:
    """A remark code in words, e.g. "N130: see the plan's benefit documents …"."""
    return f"{code}: {RARC.get(code, 'remark code (not in our short list; see x12.org/codes)')}"


def describe_provider_adjustment(reason: str) -> str:
    return PROVIDER_ADJUSTMENT_REASONS.get(reason, f"provider adjustment {reason}")


def describe_claim_status(code: str) -> str:
    return CLAIM_STATUS.get(code, f"Status code {code}")
