import pytest
from pydantic import BaseModel, ValidationError

from insurance_shared import PROVINCE, RegionCode, all_regions, get_region


class Thing(BaseModel):
    region: RegionCode


def test_regions_come_from_the_data_file() -> None:
    codes = [r.code for r in all_regions()]
    assert codes[0] == PROVINCE
    assert len(codes) == 10
    assert "222400" in codes
    assert get_region("220100").name == "长春市"
    assert get_region(PROVINCE).is_province


@pytest.mark.parametrize("code", ["110000", "220900", "2201", ""])
def test_unknown_region_refused(code: str) -> None:
    with pytest.raises(ValidationError) as info:
        Thing(region=code)
    assert info.value.errors()[0]["type"] == "unknown_region"
