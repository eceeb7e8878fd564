"""Which mails: the filter every page, link and export shares, the grid's filter and sort models
compiled into bound SQL, and the reporting periods."""
