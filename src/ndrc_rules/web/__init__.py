"""The local web interface of `ndrc-rules serve`: a regulation editor, a cohort's
decisions and papers, the versions' diff and the decision stores, served on the
loopback interface to one person (`app.create_app`)."""
