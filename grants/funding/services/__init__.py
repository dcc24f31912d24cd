"""Services for a project's money, one module per subject:

- ``schedule``: the tranches and their amounts and dates;
- ``agreements``: issuing, signing and varying the grant agreement (``terms`` writes its words);
- ``conditions``: what each tranche waits for, and when it becomes eligible;
- ``release``: request, approval (the two signatures), return, hold and resume;
- ``match``: the board's match funding, pledged → confirmed → received.

Every function checks, changes, flushes and audits; the caller commits.
"""

from grants.funding.services.common import AlreadyDone, ConditionsLapsed, FundingError
from grants.funding.services.setup import set_up_funding

__all__ = ["AlreadyDone", "ConditionsLapsed", "FundingError", "set_up_funding"]
