def test_home_page_is_chinese_and_lists_counties(client, db):
    response = client.get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "社区证明服务平台" in text
    assert "雁塔区" in text
