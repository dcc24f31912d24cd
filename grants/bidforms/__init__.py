"""A round's application form: its pages (the task list's sections) and their questions, the built-in
blocks the rest of the service runs on, and the default form every new round starts from.

The officer builds it under the round (``grants.rounds.form_routes``); the applicant fills it in
(``grants.applications``), whose bids keep their answers keyed by each question's stable key."""
