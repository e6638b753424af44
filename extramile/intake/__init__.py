"""Reply intake: the tasks that turn a reader's email (`invoke replies-add`)
or a comment approved in Isso (`invoke replies-pull`) into a reply file in
content/replies/. The build (plugins/replies) only ever reads those files."""
