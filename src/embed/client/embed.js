// /embed.js: built in issue 13 (the live list on a co-host's blog). Not built yet.
