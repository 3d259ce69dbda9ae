package decentlab

// allModels is every model of the package, in no particular order.
func allModels() []*model {
	var ms []*model
	for _, group := range [][]*model{
		climateModels, weatherModels, waterModels, soilModels, plantModels, analogModels,
	} {
		ms = append(ms, group...)
	}
	return ms
}
