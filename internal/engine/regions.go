package engine

import (
	"fmt"
	"maps"
	"slices"
)

// regionCountries maps OSS region IDs to the country or area they are in,
// for the cross-country rule (Data Online Migration refuses migrations
// between countries unless the user opts in). Hong Kong is its own area:
// Alibaba classifies mainland <-> Hong Kong transfers as cross-border.
var regionCountries = map[string]string{
	"cn-hangzhou": "China (mainland)", "cn-shanghai": "China (mainland)", "cn-qingdao": "China (mainland)",
	"cn-beijing": "China (mainland)", "cn-zhangjiakou": "China (mainland)", "cn-huhehaote": "China (mainland)",
	"cn-wulanchabu": "China (mainland)", "cn-shenzhen": "China (mainland)", "cn-heyuan": "China (mainland)",
	"cn-guangzhou": "China (mainland)", "cn-chengdu": "China (mainland)", "cn-nanjing": "China (mainland)",
	"cn-fuzhou": "China (mainland)", "rg-china-mainland": "China (mainland)",
	"cn-hongkong":    "Hong Kong (China)",
	"ap-northeast-1": "Japan", "ap-northeast-2": "South Korea",
	"ap-southeast-1": "Singapore", "ap-southeast-3": "Malaysia", "ap-southeast-5": "Indonesia",
	"ap-southeast-6": "Philippines", "ap-southeast-7": "Thailand",
	"us-west-1": "United States", "us-east-1": "United States",
	"eu-central-1": "Germany", "eu-west-1": "United Kingdom",
	"me-east-1": "United Arab Emirates", "me-central-1": "Saudi Arabia",
}

// RegionCountry returns the country or area of an OSS region ID.
func RegionCountry(region string) (string, bool) {
	c, ok := regionCountries[region]
	return c, ok
}

// KnownRegions returns the region IDs the engine knows, sorted.
func KnownRegions() []string {
	return slices.Sorted(maps.Keys(regionCountries))
}

// CheckCountries refuses a migration between regions of different countries.
func CheckCountries(srcRegion, dstRegion string) error {
	src, ok1 := RegionCountry(srcRegion)
	dst, ok2 := RegionCountry(dstRegion)
	if !ok1 || !ok2 || src == dst {
		return nil
	}
	return fmt.Errorf("source region %s (%s) and destination region %s (%s) are in different countries or areas; set allow_cross_country = true to migrate across borders",
		srcRegion, src, dstRegion, dst)
}
