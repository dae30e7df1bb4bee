"""E-mail invitations for any calendar: iTIP (RFC 5546) over iMIP (RFC 6047), sent by SMTP.

Google users can be invited through ``tacal sync``; everyone else (Outlook/Exchange, Apple,
Fastmail, Thunderbird...) takes invitations by e-mail. The steps, one module each:

- :mod:`~tacal.invite.log`: the SQLite send log, what was sent to whom (written ahead of
  each send, so a killed run re-sends at most the message in flight);
- :mod:`~tacal.invite.plan`: pure: who gets a REQUEST or a CANCEL, with which SEQUENCE;
- :mod:`~tacal.invite.message`: the iTIP calendar and the MIME message clients act on;
- :mod:`~tacal.invite.smtp`: the paced, retrying sender (``smtplib``);
- :mod:`~tacal.invite.run`: plan, then send each message through the log; returns a report
  and never prints (the CLI does).
"""
