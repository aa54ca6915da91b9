from tests.matrix import Row

ROWS: dict[str, Row] = {}
