# What citizens are sent about their case, in English. Each kind of event is one message with
# four attributes, one per channel:
#   .subject, .body  the e-mail's subject and text
#   .sms             the SMS (short, with the link)
#   .text            the line the webhook carries to the portal or app
# Variables: $code (case code), $step (the step's title), $due (due date, YYYY-MM-DD), $link
# (the case's page). Messages never carry personal data (names, ID numbers, addresses): only the
# case code and the link. vi.ftl holds the same ids; a test makes sure of it.

notice-footer = This message was sent automatically; please do not reply to it.

notice-filed =
    .subject = Application { $code } received
    .body =
        Dear citizen,

        Your combined application { $code } has been received and the agencies are processing it.
        Follow its progress at: { $link }

        { notice-footer }
    .sms = Application { $code } received. Follow it at { $link }
    .text = Application { $code } has been received and is being processed.

notice-step_done =
    .subject = Application { $code }: «{ $step }» done
    .body =
        Dear citizen,

        The step «{ $step }» of application { $code } is done.
        See its result and what comes next at: { $link }

        { notice-footer }
    .sms = Application { $code }: «{ $step }» done. See the result at { $link }
    .text = The step «{ $step }» of application { $code } is done.

notice-documents_requested =
    .subject = Application { $code }: documents needed by { $due }
    .body =
        Dear citizen,

        To complete the step «{ $step }» of application { $code }, the agency asks you for further documents.
        Please provide them by { $due }.
        See which documents are needed and send them online at: { $link }

        { notice-footer }
    .sms = Application { $code } needs documents for «{ $step }» by { $due }. Send them at { $link }
    .text = Documents are needed for the step «{ $step }» of application { $code } by { $due }.

notice-reminder =
    .subject = Reminder: application { $code } needs documents by { $due }
    .body =
        Dear citizen,

        Application { $code } is still waiting for your documents for the step «{ $step }».
        Please provide them by { $due }.
        Send them online at: { $link }

        If you have already sent them, please disregard this message.
        { notice-footer }
    .sms = Reminder: application { $code } needs documents for «{ $step }» by { $due }. Send them at { $link }
    .text = Reminder: application { $code } is still waiting for documents for the step «{ $step }», due { $due }.

notice-completed =
    .subject = Application { $code } completed
    .body =
        Dear citizen,

        Your combined application { $code } has been completed.
        See the result of each procedure at: { $link }

        { notice-footer }
    .sms = Application { $code } completed. See the results at { $link }
    .text = Application { $code } has been completed.

notice-failed =
    .subject = Application { $code } could not be completed
    .body =
        Dear citizen,

        We are sorry: application { $code } could not be completed.
        See why and what you can do at: { $link }
        For help, please contact the one-stop office where you filed it.

        { notice-footer }
    .sms = Application { $code } could not be completed. See why at { $link }
    .text = Application { $code } could not be completed.

notice-withdrawn =
    .subject = Application { $code } withdrawn
    .body =
        Dear citizen,

        Application { $code } has been withdrawn as requested and will not be processed further.
        Details at: { $link }

        { notice-footer }
    .sms = Application { $code } has been withdrawn as requested. Details at { $link }
    .text = Application { $code } has been withdrawn as requested.

notice-overdue =
    .subject = Application { $code } is past its time limit
    .body =
        Dear citizen,

        Application { $code } has passed the time limit the law sets for it. We sincerely apologise for the delay.
        It is still being processed; follow its progress at: { $link }

        { notice-footer }
    .sms = Application { $code } is past its time limit and still being processed. We apologise for the delay. Follow it at { $link }
    .text = Application { $code } has passed its time limit and is still being processed.
