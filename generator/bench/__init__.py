"""The ``benchmark`` commands: :mod:`.size` (large and many datasets), :mod:`.report`
(one report in a real browser) and the browser helpers they and the tests share."""
