"""What Buddy says, decided once: documents (`blocks`), Buddy markup (`markup`), forms' values.

Nothing here imports Slack or Teams. Each front end (`frontends/slack`, `frontends/teams`) draws
these documents in its own platform's terms: Block Kit for Slack, Adaptive Cards for Teams."""
