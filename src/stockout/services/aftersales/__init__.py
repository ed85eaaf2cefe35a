"""After-sales (售后): refund requests, returns after delivery, claims (empty parcel, wrong
item ...) and the platform stepping in (平台介入). Each step is an event in the order's
timeline (`domain.aftersales` folds them); `cases` holds the use cases, `notices` what the
other side is told."""
