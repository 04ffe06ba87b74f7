"""schemathesis hooks for the GraphQL leg of scripts/verify.sh.

schemathesis counts every resolver error whose `extensions.code` is not on
its fixed list of client-error codes (`BAD_USER_INPUT`, ...) as a server
error (ST113), and that list cannot be configured. Three of our mutation
answers are the client's fault yet not "bad input":

- `NOT_FOUND`: the mutation names an article or comment that does not
  exist (`updateArticle(id: "999")`, `approveComment(id: "")`, a comment on
  an article that is not public). A write to nothing cannot succeed and
  returns no object; GitHub's API answers the same way.
- `CONFLICT`: `expectedVersion` is stale (optimistic concurrency, REST's
  412), or a slug or external id is taken (REST's 409).
- `FORBIDDEN`: `postComment` on an article whose comments an earlier fuzzed
  `setCommentsOpen(open: false)` closed (REST's 403). The run's key is an
  admin key, so a scope refusal cannot be the cause.

Both are documented outcomes of these mutations (README, schema comments)
that depend on the data, not on the shape of the request, so no generator
can avoid them. This hook drops an ST113 failure only when it comes from a
`Mutation.*` operation and *every* error in the answer carries one of those
codes. Queries get no allowance (their lookups answer `null`), and
`INTERNAL_SERVER_ERROR`, `SERVICE_UNAVAILABLE`, an error without a code or
any other code still fails the run.
"""

import schemathesis
from schemathesis.graphql.checks import GraphQLServerError

CLIENT_STATE_CODES = frozenset({"NOT_FOUND", "CONFLICT", "FORBIDDEN"})


def _code(error):
    extensions = error.get("extensions") if isinstance(error, dict) else None
    return extensions.get("code") if isinstance(extensions, dict) else None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """False (drop) for a mutation refused with NOT_FOUND/CONFLICT only."""
    if not isinstance(failure, GraphQLServerError):
        return True
    if not case.operation.label.startswith("Mutation."):
        return True
    errors = failure.errors or []
    return not (errors and all(_code(e) in CLIENT_STATE_CODES for e in errors))
