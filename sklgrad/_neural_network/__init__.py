"""The estimators: the classifier and the regressor, their input-penalty path, chunked data."""
