"""The demo's world, decided before any mail is written: the organisation, its people, sessions
and sales opportunities, when each mail is sent, the stories a manager must find, and what
happens to each mail at the provider."""
