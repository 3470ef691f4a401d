import pandas as pd

from attribution.mmm import spec_from_dict


def test_spec_from_dict_accepts_a_dataframes_columns():
    """README's API example passes ``media.columns`` (a pandas Index) straight in."""
    media = pd.DataFrame(columns=["date", "sales", "spend_tv", "activity_organic_social", "price"])
    from_index = spec_from_dict({}, media.columns)
    from_list = spec_from_dict({}, list(media.columns))
    assert from_index == from_list
    assert from_index.channel_names == ("tv", "organic_social")
