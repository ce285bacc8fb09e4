package views

// zhJournal translates the texts of the journal's export.
var zhJournal = map[string]string{
	"Download the head (JSON)": "下载链头（JSON 文件）",
}

func init() {
	for k, v := range zhJournal {
		zhCatalog[k] = v
	}
}
