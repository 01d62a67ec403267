package normalize

// slot names a vendor field a mapping reads. Looking a name up once while
// decoding, instead of searching the members for each attribute, keeps a
// record's cost linear in its size.
type slot uint8

// Forcepoint field names are shared by all its log types, so one table
// serves every Forcepoint stream; a field a type lacks is simply absent.
const (
	fpAction slot = iota
	fpActivity
	fpActor
	fpActorIP
	fpAPIName
	fpApplication
	fpClassifyLabels
	fpComponent
	fpCountry
	fpCountryCode
	fpCustomLocation
	fpDestinationIP
	fpDestinationPort
	fpDetails
	fpDevice
	fpDeviceGUID
	fpDLPAction
	fpDLPPattern
	fpDocExtension
	fpDocMD5
	fpDocSHA1
	fpDocSHA256
	fpEmail
	fpEmailBCC
	fpEmailCC
	fpEmailFrom
	fpEmailSentTime
	fpEmailSubject
	fpEmailTo
	fpFileID
	fpFileLink
	fpFilename
	fpFolder
	fpIndexedTime
	fpInstanceName
	fpIPAddress
	fpKeyword
	fpLocation
	fpOrgID
	fpOwner
	fpPageTitle
	fpPatterns
	fpPolicyID
	fpProtocol
	fpProxyInstance
	fpReferrer
	fpRegion
	fpRequestDomain
	fpRequestMethod
	fpRequestPort
	fpResponseCode
	fpSETransactionID
	fpSize
	fpStatus
	fpThreatIndicator
	fpTime
	fpTransactionID
	fpUploadedBytes
	fpURL
	fpUser
	fpUserAgent
	fpUserGroup
	fpWebCategories
	fpWebReputation

	// Symantec access log: ELFF column names.
	syTenant
	syDate
	syTime
	syAppliance
	syTimeTaken
	syClientIP
	syUserDN
	syAuthGroups
	syExceptionID
	syFilterResult
	syCategories
	syReferer
	syStatus
	sySAction
	syMethod
	syContentType
	syScheme
	syHost
	syPort
	syPath
	syQuery
	syUserAgent
	syServerIP
	sySCBytes
	syCSBytes
	syVirusID
	syAppName
	syRemoteIP
	syRSTLSVersion
	syRSCipher
	syRSCipherSize
	syCSTLSVersion
	syCSCipher
	syCSCipherSize
	syThreatRisk
	syAgentType
	syClientOS
	syAgentSW
	syDeviceID
	syDeviceName
	syTransactionUUID
	syURIExtension
	syClientCountry
	syRemoteCountry
	syLocationName

	// Symantec admin audit log.
	auDate
	auUser
	auObjectType
	auOperationType
	auObject
	auDetails

	numSlots
)

// noSlot is a slot that is never present, for helpers a stream has no
// field for.
const noSlot = numSlots

var forcepointNames = map[string]slot{
	"action": fpAction, "activity": fpActivity, "actor": fpActor, "actoripaddress": fpActorIP,
	"apiname": fpAPIName, "application": fpApplication, "classifylabels": fpClassifyLabels,
	"component": fpComponent, "country": fpCountry, "countrycode": fpCountryCode, "customlocation": fpCustomLocation,
	"destinationip": fpDestinationIP, "destinationport": fpDestinationPort, "details": fpDetails,
	"device": fpDevice, "deviceguid": fpDeviceGUID, "dlpaction": fpDLPAction, "dlppattern": fpDLPPattern,
	"docextension": fpDocExtension, "docmd5": fpDocMD5, "docsha1": fpDocSHA1, "docsha256": fpDocSHA256,
	"email": fpEmail, "emailbcc": fpEmailBCC, "emailcc": fpEmailCC, "emailfrom": fpEmailFrom,
	"emailsenttime": fpEmailSentTime, "emailsubject": fpEmailSubject, "emailto": fpEmailTo, "fileid": fpFileID, "filelink": fpFileLink, "filename": fpFilename, "folder": fpFolder,
	"indexedtime": fpIndexedTime, "instancename": fpInstanceName, "ipaddress": fpIPAddress,
	"keyword": fpKeyword, "location": fpLocation, "orgid": fpOrgID, "owner": fpOwner, "pagetitle": fpPageTitle,
	"patterns": fpPatterns, "policyid": fpPolicyID, "protocol": fpProtocol, "proxyinstance": fpProxyInstance,
	"referrer": fpReferrer, "region": fpRegion, "requestdomain": fpRequestDomain,
	"requestmethod": fpRequestMethod, "requestport": fpRequestPort, "responsecode": fpResponseCode,
	"setransactionid": fpSETransactionID, "size": fpSize, "status": fpStatus,
	"threatindicator": fpThreatIndicator, "time": fpTime, "transactionid": fpTransactionID,
	"uploadedbytes": fpUploadedBytes, "url": fpURL, "user": fpUser, "useragent": fpUserAgent,
	"usergroup": fpUserGroup, "webcategories": fpWebCategories, "webreputation": fpWebReputation,
}

var symantecAccessNames = map[string]slot{
	"x-bluecoat-request-tenant-id": syTenant, "date": syDate, "time": syTime,
	"x-bluecoat-appliance-name": syAppliance, "time-taken": syTimeTaken, "c-ip": syClientIP,
	"cs-userdn": syUserDN, "cs-auth-groups": syAuthGroups, "x-exception-id": syExceptionID,
	"sc-filter-result": syFilterResult, "cs-categories": syCategories, "cs(Referer)": syReferer,
	"sc-status": syStatus, "s-action": sySAction, "cs-method": syMethod, "rs(Content-Type)": syContentType,
	"cs-uri-scheme": syScheme, "cs-host": syHost, "cs-uri-port": syPort, "cs-uri-path": syPath,
	"cs-uri-query": syQuery, "cs(User-Agent)": syUserAgent, "s-ip": syServerIP, "sc-bytes": sySCBytes,
	"cs-bytes": syCSBytes, "x-virus-id": syVirusID, "x-bluecoat-application-name": syAppName,
	"r-ip":                                   syRemoteIP,
	"x-rs-connection-negotiated-ssl-version": syRSTLSVersion, "x-rs-connection-negotiated-cipher": syRSCipher,
	"x-rs-connection-negotiated-cipher-size": syRSCipherSize,
	"x-cs-connection-negotiated-ssl-version": syCSTLSVersion, "x-cs-connection-negotiated-cipher": syCSCipher,
	"x-cs-connection-negotiated-cipher-size": syCSCipherSize,
	"cs-threat-risk":                         syThreatRisk, "x-client-agent-type": syAgentType, "x-client-os": syClientOS,
	"x-client-agent-sw": syAgentSW, "x-client-device-id": syDeviceID, "x-client-device-name": syDeviceName,
	"x-bluecoat-transaction-uuid": syTransactionUUID, "cs-uri-extension": syURIExtension,
	"x-cs-client-ip-country": syClientCountry, "r-supplier-country": syRemoteCountry,
	"x-bluecoat-location-name": syLocationName,
}

var symantecAuditNames = map[string]slot{
	"date": auDate, "user": auUser, "objectType": auObjectType, "operationType": auOperationType,
	"object": auObject, "details": auDetails,
}
