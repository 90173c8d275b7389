# What a citizen reads from the API, in English. Every message has its Vietnamese version under
# the same id in vi.ftl; a test makes sure both files hold the same ids.

## An application's field problems

field-REQUIRED = «{ $name }» is required.
field-UNKNOWN_FIELD = «{ $name }» is not a field of this application.
field-INVALID_DATE = Not a valid date: write a real date as YYYY-MM-DD (2026-11-20) or DD/MM/YYYY (20/11/2026).
field-INVALID_FORMAT = Must be a valid { $format }.
field-PERSONAL_ID = A personal identification number is exactly 12 digits.
field-PHONE = A phone number is 10 digits starting with 0.
field-PATTERN = Does not have the expected format.
field-NOT_ALLOWED = Must be one of: { $allowed }.
field-WRONG_TYPE = Must be of type { $expected }.
field-TOO_SHORT = Must be at least { $limit } characters.
field-TOO_LONG = Must be at most { $limit } characters.
field-INVALID = Does not satisfy the procedure's rules for this field.

## A case's status

case-running = The agencies are working on the application.
case-compensating = The application has stopped; what was done is being undone.
case-completed = The application is complete.
case-partially_completed = The application has ended: some parts are done, others could not be.
case-failed = The application could not be completed.
case-withdrawn = The application was withdrawn.

## Each step's status

step-pending = Waiting for its turn.
step-running = The agency is working on it.
step-succeeded = Done.
step-rejected = The agency refused it.
step-failed = It could not be done.
step-skipped = Not done, because the application stopped.
step-not_applicable = Not needed for this application.
step-awaiting_documents = The agency needs more documents from you.
step-awaiting_decision = The agency received it and is deciding; the result will follow.
step-agency_unavailable = The agency's system is not answering for now; it will be sent again.
step-held = Not sent to the agency for now; it will be once the agency is back.
step-resolved_manually = Done by an officer directly.
step-compensating = Being undone.
step-compensated = Undone.
step-compensation_failed = Could not be undone yet; an officer is on it.
step-needs_correction = An officer will correct it through the agency's own procedure.
