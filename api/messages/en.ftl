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

## Documents an agency asked for

supplement-MISSING_DOCUMENT = The agency asked for «{ $code }», which is not among the documents sent.
supplement-REFERENCE = Give the document's number or reference (1 to 200 characters).
supplement-NO_DOCUMENT = Send at least one document.
supplement-WHICH_STEP = Several steps wait for documents: say which one this answers.

## The citizen page

page-brand = Linked public services
page-skip = Skip to main content
page-menu = Main menu
page-language = Language
page-nav-procedures = Procedures
page-nav-cases = My cases
page-sign-in = Sign in
page-sign-out = Sign out
page-back-home = Back to the procedures
page-back-cases = Back to my cases
page-problem-title = Not done
page-problem-code = Error code (for the help desk):
page-error-prefix = Error:
page-yes = Yes
page-no = No
page-empty = (left empty)
page-choose = — Choose —
page-overdue = Overdue

page-sign-in-intro = Sign in to file an application online and follow your cases.
page-sign-in-provider = Sign in with your electronic identity account
page-token-label = Sign-in token
page-token-help = Paste the sign-in token you were given. When trying the system out, use the citizen token that «lienthong dev» prints.
page-session-ended = Your session has ended; please sign in again.
page-not-a-citizen = This page is for citizens. Staff, please sign in to the console.
page-go-console = Go to the staff console

page-home-title = Linked procedures online
page-home-intro = File one application: it is sent to each agency in turn, and you are told the result of each.
page-home-sign-in = You need to sign in to file an application.
page-home-none = No procedure is in force at the moment.
page-home-gives = You will receive:
page-home-conditional = (when you ask for it and qualify)
page-home-deadline = Legal time limit: { $days } working days.
page-home-basis = Legal basis:
page-home-apply = File an application online

page-form-intro = Fill in the items below. Items marked * are required. You will see the whole application again before filing it.
page-form-problems = The application is not valid yet. Please correct these items:
page-form-continue = Continue: review the application
page-form-details = Application details
page-form-other = Other details
page-date-help = Write it as day/month/year, for example 20/11/2026.
page-date-placeholder = DD/MM/YYYY

page-review-title = Review your application
page-review-intro = Please check the details below. Once filed, the application goes to the agencies that handle it.
page-review-once = The application is filed once, even if you press the button more than once.
page-review-submit = File the application
page-review-edit = Go back and edit

page-cases-title = My cases
page-cases-none = You have no cases yet.
page-cases-file = File a new application
page-cases-waiting = Waiting on:

page-case-title = Case { $code }
page-case-filed = Your application is filed. Your case code is { $code }; note it down to look the case up.
page-case-supplied = The documents were sent. The agency will go on with the case.
page-case-withdrawn = Your withdrawal is recorded. What was done will be undone where the law allows.
page-case-code = Case code
page-case-procedure = Procedure
page-case-submitted = Filed on
page-case-status = Status
page-case-deadline = Result due by
page-case-steps = Progress

page-step-agency = Handled by
page-step-since = Received by the agency at
page-step-done-at = Done at
page-step-deadline = Due by
page-step-results = Result

page-documents-title = The agency asks for more documents
page-documents-due = Send them by:
page-documents-reference-help = Give the number or reference of the document you have. Document type:
page-documents-note = A note for the agency (optional)
page-documents-send = Send the documents

page-withdraw-title = Withdraw the application
page-withdraw-intro = If you do not want to go on, you can withdraw the application while it is not finished.
page-withdraw-start = Withdraw this application
page-withdraw-page-title = Withdraw case { $code }
page-withdraw-what = Withdrawing stops what is not done yet and undoes what was done where the law allows (a registered birth or death cannot be undone; an officer will contact you if needed). A withdrawal cannot be taken back.
page-withdraw-reason = Why are you withdrawing?
page-withdraw-reason-help = At most 500 characters. The reason is kept with the case.
page-withdraw-reason-missing = Say why you are withdrawing (at most 500 characters).
page-withdraw-confirm = Confirm the withdrawal
page-withdraw-keep = Do not withdraw; back to the case

page-status-running = In progress
page-status-compensating = Being undone
page-status-completed = Completed
page-status-partially_completed = Partly completed
page-status-failed = Could not be completed
page-status-withdrawn = Withdrawn

page-step-pending = Waiting its turn
page-step-running = In progress
page-step-succeeded = Done
page-step-rejected = Refused
page-step-failed = Could not be done
page-step-skipped = Stopped
page-step-not_applicable = Not needed
page-step-awaiting_documents = Documents needed
page-step-awaiting_decision = Under review
page-step-agency_unavailable = Waiting for the agency's system
page-step-held = On hold
page-step-resolved_manually = Done
page-step-compensating = Being undone
page-step-compensated = Undone
page-step-compensation_failed = Not undone yet
page-step-needs_correction = An officer is correcting it

## What could not be done, by error code

problem-other = Something went wrong. Please try again in a few minutes; if it still fails, contact the help desk with the error code.
problem-NOT_YOUR_APPLICATION = The application must give your own personal ID number (the account signed in), for example as the applicant.
problem-RATE_LIMITED = You sent too many requests in a short time. Please wait a moment and try again.
problem-CASE_CLOSED = This case has ended, so this cannot be done.
problem-CASE_DID_NOT_ANSWER = The system has not confirmed your request yet. Please look at the case again in a few minutes before sending it again.
problem-CASE_NOT_FOUND = This case is not among your cases.
problem-CASE_STARTING = The case is being started. Please reload the page in a few seconds.
problem-NOT_AWAITING_DOCUMENTS = No agency is waiting for documents from you for this case.
problem-SUPPLEMENT_INVALID = The documents are not complete. Please see the marked items.
problem-ENGINE_UNAVAILABLE = The case system is not answering right now. Please try again in a few minutes.
problem-DATABASE_UNAVAILABLE = The system cannot reach its data right now. Please try again in a few minutes.
problem-CSRF_FAILED = This form is out of date or did not come from this site. Please open the page again and resend it.
problem-FORM_INVALID = The form sent could not be read. Please open the page again and resend it.
problem-TOKEN_INVALID = The sign-in token is not valid. Please check the token you pasted.
problem-TOKEN_EXPIRED = The sign-in token has expired. Please get a new one.
problem-TOKEN_MISSING = You have not pasted a sign-in token.
problem-SESSION_FAILED = Your session could not be opened. Please sign in again.
problem-DEFINITION_NOT_FOUND = This procedure does not take applications at the moment.
problem-FORBIDDEN = Only the person the case belongs to can do this.
problem-REASON_REQUIRED = Say why (at most 500 characters).
problem-APPLICATION_INVALID = The application is not valid yet. Please correct the marked items.
problem-ISSUER_UNAVAILABLE = The identity service is not answering right now. Please try again in a few minutes.
